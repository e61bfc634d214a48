#include "transport/protocol/transfer_wire.hpp"

namespace desaster::protocol {

namespace {
constexpr const char* kReplyWhat = "reply body";
constexpr std::size_t kNodeIdBytes = 32;  // hex digits
}  // namespace

void write_transfer_leadership(BodyWriter& w, const TransferLeadership& b) {
  w.add("node", b.node);
}

void read_transfer_leadership(MapReader& r, TransferLeadership& b) {
  r.read("node", b.node, kNodeIdBytes);
}

std::string encode_body(const TransferLeadershipReply& b) {
  BodyWriter w;
  w.add("from", b.from).add("to", b.to).add("leader", b.leader).add("term", b.term);
  return w.finish();
}

Status decode_body(std::string_view bytes, TransferLeadershipReply& out) {
  Result<msgpack::object_handle> unpacked = codec::unpack_bounded(bytes, kReplyWhat);
  if (!unpacked.ok()) return unpacked.status();
  MapReader r(unpacked->get(), kReplyWhat);
  TransferLeadershipReply b;
  r.require("from");
  r.read("from", b.from, kNodeIdBytes);
  r.read("to", b.to, kNodeIdBytes);
  r.read("leader", b.leader, kNodeIdBytes);
  r.read("term", b.term);
  Status status = r.status();
  if (!status.ok()) return status;
  out = std::move(b);
  return Status::success();
}

}  // namespace desaster::protocol
