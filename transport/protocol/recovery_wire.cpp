#include "transport/protocol/recovery_wire.hpp"

namespace desaster::protocol {

namespace {
constexpr const char* kReplyWhat = "reply body";
// A cluster has at most a handful of members; more is not a reply of ours.
constexpr std::size_t kMaxDropped = 1000;
}  // namespace

void write_force_recovery(BodyWriter& w, const ForceRecovery& b) {
  w.add("accept_risk", b.accept_risk);
}

void read_force_recovery(MapReader& r, ForceRecovery& b) {
  r.read("accept_risk", b.accept_risk);
}

std::string encode_body(const ForceRecoveryReply& b) {
  BodyWriter w;
  w.add("node", b.node).add("term", b.term).add("index", b.index);
  BodyWriter::Packer& pk = w.key("dropped");
  pk.pack_array(static_cast<std::uint32_t>(b.dropped.size()));
  for (const std::string& id : b.dropped) pk.pack(id);
  return w.finish();
}

Status decode_body(std::string_view bytes, ForceRecoveryReply& out) {
  Result<msgpack::object_handle> unpacked = codec::unpack_bounded(bytes, kReplyWhat);
  if (!unpacked.ok()) return unpacked.status();
  MapReader r(unpacked->get(), kReplyWhat);
  ForceRecoveryReply b;
  r.require("node");
  r.read("node", b.node);
  r.read("term", b.term);
  r.read("index", b.index);
  r.read_strings("dropped", b.dropped, kMaxDropped);
  // A newer node may add fields: only what we read must be sound.
  Status status = r.status();
  if (!status.ok()) return status;
  out = std::move(b);
  return Status::success();
}

}  // namespace desaster::protocol
