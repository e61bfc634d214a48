// "transfer_leadership": the leader hands leadership to another voter (a
// Raft leadership transfer, core/cluster/raft_transfer.cpp), as before a
// hot upgrade or maintenance. Its codec is transfer_wire.cpp.
//
// "transfer_leadership" {node: str} -> {from, to, leader, term}
//   node: the voter to lead (32 hex digits, or a unique prefix of at least 4
//   known to the node), empty for the most up-to-date voter. Answered once
//   the node asked no longer leads: leader and term name who leads now
//   (leader may be empty if the election is still open). Refused
//   (unavailable) when the node asked does not lead (the message names the
//   leader) or the transfer was abandoned after an election timeout;
//   bad_request for a node that is not a voter, or a standalone node.
#pragma once

#include <cstdint>
#include <string>

namespace desaster::protocol {

struct TransferLeadership {
  std::string node;
};

struct TransferLeadershipReply {
  std::string from;    // the node that led
  std::string to;      // the voter it handed leadership to
  std::string leader;  // who leads now, as the old leader knows it (empty: electing)
  std::uint64_t term = 0;
};

}  // namespace desaster::protocol
