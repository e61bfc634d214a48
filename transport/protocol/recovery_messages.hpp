// "force_recovery": an operator makes the node asked the only voter of its
// cluster, keeping its log, after the cluster lost its majority for good
// (a two-node cluster whose voter died, three voters of which two are
// gone). It may lose acknowledged writes the lost voters had and this node
// did not. Its codec is recovery_wire.cpp.
//
// "force_recovery" {accept_risk: bool} -> {node, term, index, dropped: [node id]}
//   refused (bad_request) without accept_risk; refused (conflict) while the
//   node knows a leader or reaches a majority of the voters, or is not in a
//   cluster; unavailable while a write is in flight (try again).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace desaster::protocol {

struct ForceRecovery {
  bool accept_risk = false;
};

struct ForceRecoveryReply {
  std::string node;                  // the node that is now the only voter
  std::uint64_t term = 0;            // of its log's last entry (the recovery entry)
  std::uint64_t index = 0;           // the recovery entry's index: everything up to it commits
  std::vector<std::string> dropped;  // the members (voters and learners) no longer in the cluster
};

}  // namespace desaster::protocol
