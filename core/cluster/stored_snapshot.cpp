#include "core/cluster/stored_snapshot.hpp"

#include "core/cluster/wire_reader.hpp"

namespace desaster::raft {

namespace {

using wire::Path;

void pack_members(msgpack::packer<msgpack::sbuffer>& pk, const std::set<NodeId>& members) {
  pk.pack_array(static_cast<std::uint32_t>(members.size()));
  for (const NodeId& id : members) wire::pack_node_id(pk, id);
}

std::set<NodeId> read_members(const msgpack::object& o, const Path& p) {
  const msgpack::object_array& ids = wire::read_array(o, p);
  std::set<NodeId> members;
  for (std::size_t i = 0; i < ids.size; ++i) {
    if (!members.insert(wire::read_node_id(ids.ptr[i], p.at(i))).second)
      wire::fail(p.at(i), "listed twice");
  }
  return members;
}

}  // namespace

std::string encode_stored_snapshot(const ConfState& conf, std::string_view data) {
  msgpack::sbuffer buffer(data.size() + 64);
  buffer.write(kStoredSnapshotMagic.data(), kStoredSnapshotMagic.size());
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack_uint64(kStoredSnapshotVersion);
  pack_members(pk, conf.voters);
  pack_members(pk, conf.learners);
  wire::pack_bytes(pk, data);
  return std::string(buffer.data(), buffer.size());
}

Result<StoredSnapshot> decode_stored_snapshot(std::string_view bytes) {
  if (bytes.substr(0, kStoredSnapshotMagic.size()) != kStoredSnapshotMagic) {
    return StoredSnapshot{{}, std::string(bytes)};  // a standalone node's
  }
  bytes.remove_prefix(kStoredSnapshotMagic.size());
  Result<msgpack::object_handle> handle = wire::unpack_bounded(bytes, "stored snapshot");
  if (!handle.ok()) return Status::error(ErrorCode::corrupt, handle.status().message);
  try {
    const Path root{nullptr, "stored snapshot"};
    const msgpack::object_array& f = wire::read_array(handle->get(), root, 4);
    const std::uint64_t version = wire::read_u64(f.ptr[0], root.field("version"));
    if (version != kStoredSnapshotVersion)
      wire::fail(root.field("version"), "unsupported version " + std::to_string(version));
    StoredSnapshot s;
    s.conf.voters = read_members(f.ptr[1], root.field("voters"));
    s.conf.learners = read_members(f.ptr[2], root.field("learners"));
    for (const NodeId& id : s.conf.learners) {
      if (s.conf.voters.count(id)) wire::fail(root.field("learners"), "a voter is also a learner");
    }
    s.data = std::string(wire::read_bytes(f.ptr[3], root.field("data")));
    return s;
  } catch (const wire::WireError& e) {
    return Status::error(ErrorCode::corrupt, e.message);
  }
}

}  // namespace desaster::raft
