// The plain data Raft reads and writes: what a node persists (hard state,
// snapshot), who is a member (ConfState), and the membership changes a
// leader proposes (ConfChange, carried in config_change log entries).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/cluster/node_id.hpp"
#include "core/model/log_entry.hpp"
#include "core/model/status.hpp"

namespace desaster::raft {

// What must be on disk before any message that depends on it is sent: a
// node that forgets its vote could vote twice in one term.
struct HardState {
  std::uint64_t term = 0;
  NodeId vote;
  std::uint64_t commit = 0;
  bool operator==(const HardState&) const = default;
};

// Voters elect and count for commit; learners receive the log and do neither.
// A node is in at most one of the two sets.
struct ConfState {
  std::set<NodeId> voters;
  std::set<NodeId> learners;
  bool operator==(const ConfState&) const = default;
  bool contains(const NodeId& id) const { return voters.count(id) || learners.count(id); }
};

// The state machine's state at `index` (whose entry had `term`), with the
// membership as of that index. The bytes are the application's.
struct SnapshotMeta {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  ConfState conf;
  bool operator==(const SnapshotMeta&) const = default;
};

struct Snapshot {
  SnapshotMeta meta;
  std::string data;
};

// Single-server membership changes, one pending at a time; each takes effect
// on a node when that node applies the committed entry (as etcd does).
enum class ConfChangeType : std::uint8_t {
  add_learner,  // a new member that receives the log
  promote,      // learner (or new node) becomes a voter
  remove,       // leaves both sets
  // Force-recovery: node becomes the only voter and every other member
  // leaves. Never proposed: the node itself writes it, committed by fiat,
  // when an operator accepts losing what only the lost voters had.
  sole_voter,
};
inline constexpr std::uint32_t kConfChangeTypeCount = 4;

struct ConfChange {
  ConfChangeType type = ConfChangeType::add_learner;
  NodeId node;
  bool operator==(const ConfChange&) const = default;
};

const char* to_string(ConfChangeType type);

// The op bytes of a config_change entry: msgpack [1, type, node id (bin 16)].
std::string encode_conf_change(const ConfChange& change);
Result<ConfChange> decode_conf_change(std::string_view bytes);

// What a restarting node read back from disk. A node that has never run
// starts from a snapshot at index 0 whose conf holds the initial voters
// (one voter, itself, for a new cluster; none for a node that will be added).
struct RaftStorage {
  HardState hard_state;
  Snapshot snapshot;
  std::vector<LogEntry> entries;  // contiguous, starting at snapshot.meta.index + 1
};

}  // namespace desaster::raft
