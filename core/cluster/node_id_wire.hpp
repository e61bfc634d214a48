// Node ids and member sets in the cluster's msgpack formats (Raft messages,
// stored snapshots, conf changes): a node id is a bin of 16 bytes,
// big-endian, a member set an array of them, each once. The rest of the
// reading is core/codec's (unpack_bounded, the positional reads of fields.hpp).
#pragma once

#include <set>

#include <msgpack.hpp>

#include "core/cluster/node_id.hpp"
#include "core/codec/fields.hpp"

namespace desaster::raft::wire {

NodeId read_node_id(const msgpack::object& o, const codec::Path& p);
void pack_node_id(msgpack::packer<msgpack::sbuffer>& pk, const NodeId& id);

// A set of nodes; an id listed twice is refused.
std::set<NodeId> read_members(const msgpack::object& o, const codec::Path& p);
void pack_members(msgpack::packer<msgpack::sbuffer>& pk, const std::set<NodeId>& members);

}  // namespace desaster::raft::wire
