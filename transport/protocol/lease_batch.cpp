// The "leases" push (replies.hpp): a dispatcher turn's leases for one
// worker in one message, each as an array of what the worker runs, so
// neither side encodes or decodes the whole job record per lease.
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/replies.hpp"
#include "transport/protocol/reply_decode.hpp"

namespace desaster::protocol {

namespace {

constexpr std::uint32_t kSlimLeaseFields = 7;

// One [id, attempt, kind, queue, class, payload, timeout_ms]; the problem, or empty.
std::string read_slim_lease(const msgpack::object& item, SlimLease& out) {
  if (item.type != msgpack::type::ARRAY || item.via.array.size != kSlimLeaseFields)
    return "is not an array of [id, attempt, kind, queue, class, payload, timeout_ms]";
  const msgpack::object* f = item.via.array.ptr;
  std::string problem = codec::convert::as_integer(f[0], out.id);
  if (problem.empty()) problem = codec::convert::as_integer(f[1], out.attempt);
  if (problem.empty()) {
    std::string kind;
    problem = codec::convert::as_name(f[2], kind);
    if (problem.empty() && !job_kind_from_string(kind, out.kind))
      problem = "has kind '" + codec::printable(kind) + "', not a job kind";
  }
  if (problem.empty()) problem = codec::convert::as_string(f[3], out.queue);
  if (problem.empty()) problem = codec::convert::as_string(f[4], out.job_class);
  if (problem.empty()) problem = codec::convert::as_bytes(f[5], out.payload);
  if (problem.empty()) problem = codec::convert::as_integer(f[6], out.timeout_ms);
  if (problem.empty() && out.id == 0) problem = "has job id 0";
  return problem;
}

}  // namespace

std::string encode_body(const LeasesPush& b) {
  BodyWriter w;
  w.add("term", b.term);
  BodyWriter::Packer& pk = w.key("leases");
  pk.pack_array(static_cast<std::uint32_t>(b.leases.size()));
  for (const SlimLease& lease : b.leases) {
    pk.pack_array(kSlimLeaseFields);
    pk.pack(lease.id);
    pk.pack(lease.attempt);
    BodyWriter::pack_string(pk, to_string(lease.kind));
    BodyWriter::pack_string(pk, lease.queue);
    BodyWriter::pack_string(pk, lease.job_class);
    BodyWriter::pack_bytes(pk, lease.payload);
    pk.pack(lease.timeout_ms);
  }
  return w.finish();
}

Status decode_body(std::string_view bytes, LeasesPush& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, LeasesPush& b) {
    r.require("term");
    r.require("leases");
    r.read("term", b.term);
    const msgpack::object_array* leases = r.find_array("leases", kMaxLeasesPerPush);
    if (!leases) return;
    if (leases->size == 0) r.fail("leases", "is empty");
    b.leases.resize(leases->size);
    for (std::uint32_t i = 0; i < leases->size && r.ok(); ++i) {
      std::string problem = read_slim_lease(leases->ptr[i], b.leases[i]);
      if (!problem.empty()) r.fail_at(r.item_path("leases", i), problem);
    }
  });
}

}  // namespace desaster::protocol
