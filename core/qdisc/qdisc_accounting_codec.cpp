// The accounting envelope: version and kind first, so a snapshot taken
// under one discipline is never read as another's.
#include "core/qdisc/qdisc_accounting_codec.hpp"

namespace desaster::qdisc_detail {

std::string encode_accounting(QdiscKind kind, const BodyWriter& body) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  pk.pack_array(3);
  pk.pack(kAccountingVersion);
  pk.pack(static_cast<std::uint32_t>(kind));
  body(pk);
  return std::string(buffer.data(), buffer.size());
}

Status decode_accounting(std::string_view bytes, QdiscKind kind, const BodyReader& body) {
  Result<msgpack::object_handle> handle =
      codec::unpack_bounded(bytes, "qdisc accounting", ErrorCode::corrupt);
  if (!handle.ok()) return handle.status();
  try {
    codec::Path root{nullptr, "qdisc accounting"};
    codec::Fields f(handle->get(), root, 3);
    std::uint32_t version = f.u32(0, "version");
    if (version != kAccountingVersion)
      codec::fail(f.path("version"), "unsupported version " + std::to_string(version));
    auto found = f.enumeration<QdiscKind>(1, "kind", kQdiscKinds);
    if (found != kind) {
      codec::fail(f.path("kind"),
                  std::string("accounting of ") + to_string(found) + ", not of " + to_string(kind));
    }
    body(f[2], f.path("body"));
  } catch (const codec::DecodeError& e) {
    return Status::error(ErrorCode::corrupt, e.message);
  }
  return Status::success();
}

std::string encode_empty_accounting(QdiscKind kind) {
  return encode_accounting(kind, [](Packer& pk) { pk.pack_array(0); });
}

Status decode_empty_accounting(std::string_view bytes, QdiscKind kind) {
  return decode_accounting(bytes, kind, [](const msgpack::object& o, const codec::Path& p) {
    if (codec::read_array(o, p).size != 0) codec::fail(p, "expected no fields");
  });
}

}  // namespace desaster::qdisc_detail
