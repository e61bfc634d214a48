// ConfChange as the op bytes of a config_change entry.
#include <exception>

#include "core/cluster/node_id_wire.hpp"
#include "core/cluster/raft_types.hpp"
#include "core/codec/unpack.hpp"

namespace desaster::raft {

namespace {
constexpr std::uint64_t kConfChangeVersion = 1;
}

const char* to_string(ConfChangeType type) {
  switch (type) {
    case ConfChangeType::add_learner:
      return "add_learner";
    case ConfChangeType::promote:
      return "promote";
    case ConfChangeType::remove:
      return "remove";
    case ConfChangeType::sole_voter:
      return "sole_voter";
  }
  return "unknown";
}

std::string encode_conf_change(const ConfChange& change) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(3);
  pk.pack_uint64(kConfChangeVersion);
  pk.pack_uint8(static_cast<std::uint8_t>(change.type));
  wire::pack_node_id(pk, change.node);
  return std::string(buffer.data(), buffer.size());
}

Result<ConfChange> decode_conf_change(std::string_view bytes) {
  Result<msgpack::object_handle> handle = codec::unpack_bounded(bytes, "conf change");
  if (!handle.ok()) return handle.status();
  try {
    const codec::Path root{nullptr, "conf change"};
    const msgpack::object_array& fields = codec::read_array(handle->get(), root, 3);
    const std::uint64_t version = codec::read_u64(fields.ptr[0], root.field("version"));
    if (version != kConfChangeVersion)
      codec::fail(root.field("version"), "unsupported version " + std::to_string(version));
    ConfChange change;
    change.type = static_cast<ConfChangeType>(
        codec::read_enum(fields.ptr[1], root.field("type"), kConfChangeTypeCount));
    change.node = wire::read_node_id(fields.ptr[2], root.field("node"));
    return change;
  } catch (const codec::DecodeError& e) {
    return Status::error(ErrorCode::bad_request, e.message);
  }
}

}  // namespace desaster::raft
