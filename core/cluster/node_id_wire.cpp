// Node ids on the wire; see node_id_wire.hpp.
#include "core/cluster/node_id_wire.hpp"

#include <string>
#include <string_view>

namespace desaster::raft::wire {

NodeId read_node_id(const msgpack::object& o, const codec::Path& p) {
  const std::string_view bytes = codec::read_bytes(o, p);
  if (bytes.size() != 16) {
    codec::fail(p, "a node id is 16 bytes, got " + std::to_string(bytes.size()));
  }
  NodeId id;
  for (std::size_t i = 0; i < 16; ++i) {
    std::uint64_t& half = i < 8 ? id.hi : id.lo;
    half = (half << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return id;
}

void pack_node_id(msgpack::packer<msgpack::sbuffer>& pk, const NodeId& id) {
  char bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>((id.hi >> (56 - 8 * i)) & 0xFF);
    bytes[8 + i] = static_cast<char>((id.lo >> (56 - 8 * i)) & 0xFF);
  }
  codec::pack_bytes(pk, std::string_view(bytes, 16));
}

std::set<NodeId> read_members(const msgpack::object& o, const codec::Path& p) {
  const msgpack::object_array& ids = codec::read_array(o, p);
  std::set<NodeId> members;
  for (std::size_t i = 0; i < ids.size; ++i) {
    if (!members.insert(read_node_id(ids.ptr[i], p.at(i))).second) {
      codec::fail(p.at(i), "listed twice");
    }
  }
  return members;
}

void pack_members(msgpack::packer<msgpack::sbuffer>& pk, const std::set<NodeId>& members) {
  pk.pack_array(static_cast<std::uint32_t>(members.size()));
  for (const NodeId& id : members) pack_node_id(pk, id);
}

}  // namespace desaster::raft::wire
