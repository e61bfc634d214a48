#include "core/cluster/stored_snapshot.hpp"

#include "core/cluster/node_id_wire.hpp"
#include "core/codec/unpack.hpp"

namespace desaster::raft {

namespace {

using codec::Path;
using wire::pack_members;
using wire::read_members;

}  // namespace

std::string encode_stored_snapshot(const ConfState& conf, std::string_view data) {
  msgpack::sbuffer buffer(data.size() + 64);
  buffer.write(kStoredSnapshotMagic.data(), kStoredSnapshotMagic.size());
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack_uint64(kStoredSnapshotVersion);
  pack_members(pk, conf.voters);
  pack_members(pk, conf.learners);
  codec::pack_bytes(pk, data);
  return std::string(buffer.data(), buffer.size());
}

Result<StoredSnapshot> decode_stored_snapshot(std::string_view bytes) {
  if (bytes.substr(0, kStoredSnapshotMagic.size()) != kStoredSnapshotMagic) {
    return StoredSnapshot{{}, std::string(bytes)};  // a standalone node's
  }
  bytes.remove_prefix(kStoredSnapshotMagic.size());
  Result<msgpack::object_handle> handle = codec::unpack_bounded(bytes, "stored snapshot");
  if (!handle.ok()) return Status::error(ErrorCode::corrupt, handle.status().message);
  try {
    const Path root{nullptr, "stored snapshot"};
    const msgpack::object_array& f = codec::read_array(handle->get(), root, 4);
    const std::uint64_t version = codec::read_u64(f.ptr[0], root.field("version"));
    if (version != kStoredSnapshotVersion)
      codec::fail(root.field("version"), "unsupported version " + std::to_string(version));
    StoredSnapshot s;
    s.conf.voters = read_members(f.ptr[1], root.field("voters"));
    s.conf.learners = read_members(f.ptr[2], root.field("learners"));
    for (const NodeId& id : s.conf.learners) {
      if (s.conf.voters.count(id)) codec::fail(root.field("learners"), "a voter is also a learner");
    }
    s.data = std::string(codec::read_bytes(f.ptr[3], root.field("data")));
    return s;
  } catch (const codec::DecodeError& e) {
    return Status::error(ErrorCode::corrupt, e.message);
  }
}

}  // namespace desaster::raft
