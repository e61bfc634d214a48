// Zero-config membership, as Consul's autopilot does it, as pure decisions
// (the node feeds them what it knows and proposes what they return):
//
// Bootstrap. A node that has never been in a cluster (no membership in its
// log) must not start a cluster of its own where one exists. It waits a
// discovery period (a few beacon intervals); then it bootstraps a one-voter
// cluster only if no peer it heard says it is in a cluster (beacon flag)
// and its own id is the lowest among the peers it heard; any other fresh
// node waits to be added by the leader. Hearing from a leader ends the wait
// for good.
//
// Membership, on the leader, one change at a time:
//   1. a voter silent for longer than the voter timeout is replaced: with an
//      odd number of voters a caught-up learner is promoted first, with an
//      even number the silent voter is removed (so the count goes 3 -> 4 -> 3
//      and a majority of the live ones stays able to commit throughout);
//   2. a peer found by beacon that is not a member is added as a learner;
//   3. learners are promoted while that keeps the voters at the largest odd
//      number (at most 5) the live, caught-up members allow: two nodes stay
//      one voter and one learner (two voters could not survive either one's
//      loss), three make three voters;
//   4. a learner silent for longer than the voter timeout is removed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "core/cluster/node_id.hpp"
#include "core/cluster/raft_types.hpp"
#include "core/model/job.hpp"

namespace desaster::raft {

struct BootstrapInput {
  NodeId self;
  bool fresh = true;                           // no membership ever seen in the log
  bool heard_leader = false;                   // a leader has sent us anything
  TimeMs waited_ms = 0;                        // since the node started
  std::vector<std::pair<NodeId, bool>> peers;  // found by beacon: (id, in a cluster)
};

struct BootstrapConfig {
  TimeMs discovery_ms = 3000;
};

// True when this node should bootstrap a one-voter cluster now.
bool should_bootstrap(const BootstrapInput& in, const BootstrapConfig& config = {});

struct AutopilotInput {
  NodeId self;
  ConfState conf;
  std::set<NodeId> discovered;            // peers found by beacon now
  std::map<NodeId, TimeMs> last_heard;    // members: when the leader last heard them
  std::map<NodeId, std::uint64_t> match;  // members: highest index known replicated
  std::uint64_t last_index = 0;           // the leader's log
  TimeMs now = 0;
};

struct AutopilotConfig {
  TimeMs voter_timeout_ms = 30'000;
  TimeMs live_ms = 3'000;                  // heard within this: alive for promotion
  std::uint64_t caught_up_entries = 1000;  // a learner this close to the end may vote
  std::size_t max_voters = 5;
};

// The next membership change to propose, if any.
std::optional<ConfChange> next_conf_change(const AutopilotInput& in,
                                           const AutopilotConfig& config = {});

}  // namespace desaster::raft

namespace desaster::raft {

// The membership a restarting node starts from: the snapshot's, then every
// config change in its persisted log, committed or not (the Raft thesis's
// rule; the hard state does not keep the commit index, and a one-voter
// cluster must be able to elect itself again after a restart). Raft
// re-applies the committed ones as they are handed out again, which changes
// nothing once they are in.
ConfState conf_after(ConfState conf, const std::vector<LogEntry>& entries);

}  // namespace desaster::raft
