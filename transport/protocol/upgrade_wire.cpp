#include "transport/protocol/upgrade_wire.hpp"

namespace desaster::protocol {

namespace {
constexpr const char* kReplyWhat = "reply body";
constexpr std::size_t kMaxOutcomeBytes = 4096;
}  // namespace

void write_upgrade(BodyWriter& w, const Upgrade& b) {
  w.add("start", b.start).add("binary", b.binary);
}

void read_upgrade(MapReader& r, Upgrade& b) {
  r.read("start", b.start);
  r.read("binary", b.binary, kMaxUpgradeBinaryBytes);
}

std::string encode_body(const UpgradeReply& b) {
  BodyWriter w;
  w.add("pid", b.pid).add("upgrading", b.upgrading).add("last", b.last);
  return w.finish();
}

Status decode_body(std::string_view bytes, UpgradeReply& out) {
  Result<msgpack::object_handle> unpacked = codec::unpack_bounded(bytes, kReplyWhat);
  if (!unpacked.ok()) return unpacked.status();
  MapReader r(unpacked->get(), kReplyWhat);
  UpgradeReply b;
  r.require("pid");
  r.read("pid", b.pid);
  r.read("upgrading", b.upgrading);
  r.read("last", b.last, kMaxOutcomeBytes);
  Status status = r.status();
  if (!status.ok()) return status;
  out = std::move(b);
  return Status::success();
}

}  // namespace desaster::protocol
