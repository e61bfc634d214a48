#include "core/cluster/voter_reach.hpp"

namespace desaster::raft {

VoterReach voter_reach(const ConfState& conf, const NodeId& self,
                       const std::map<NodeId, TimeMs>& last_heard, TimeMs now, TimeMs window) {
  VoterReach reach;
  reach.voters = conf.voters.size();
  for (const NodeId& voter : conf.voters) {
    if (voter == self) {
      ++reach.reachable;
      continue;
    }
    auto heard = last_heard.find(voter);
    // Compared as a sum: a message stamped after `now` (clock steps) is recent.
    if (heard != last_heard.end() && heard->second + window >= now) ++reach.reachable;
  }
  return reach;
}

std::string no_majority_reason(const VoterReach& reach) {
  return "this node cannot reach a majority of the voters (" + std::to_string(reach.reachable) +
         " of " + std::to_string(reach.voters) + " reachable)";
}

}  // namespace desaster::raft
