// Which voters a node can reach, judged from when it last heard each one,
// and the words a client gets when that is not a majority. A node cut off
// from the majority (a partition, or the other voters gone) cannot commit:
// its clients must learn that, not wait for their timeout.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "core/cluster/node_id.hpp"
#include "core/cluster/raft_types.hpp"
#include "core/model/job.hpp"

namespace desaster::raft {

struct VoterReach {
  std::size_t reachable = 0;  // this node counts itself if it is a voter
  std::size_t voters = 0;
  bool majority() const { return reachable >= voters / 2 + 1; }
};

// Voters heard from within `window` before `now` (and self).
VoterReach voter_reach(const ConfState& conf, const NodeId& self,
                       const std::map<NodeId, TimeMs>& last_heard, TimeMs now, TimeMs window);

// "this node cannot reach a majority of the voters (2 of 5 reachable)".
std::string no_majority_reason(const VoterReach& reach);

}  // namespace desaster::raft
