// The messages Raft nodes exchange (the list and their meaning are in
// ARCHITECTURE.md, "core/cluster — Raft"). One struct for all types, as
// etcd's raftpb.Message: fields a type does not use stay zero.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/cluster/node_id.hpp"
#include "core/cluster/raft_types.hpp"
#include "core/model/log_entry.hpp"

namespace desaster::raft {

enum class MessageType : std::uint8_t {
  append,              // leader -> member: entries after (index, log_term), leader's commit
  append_response,     // index: last matching index; or reject with reject_hint
  vote,                // candidate -> voter: term, last (index, log_term)
  vote_response,       // reject or grant
  pre_vote,            // would you vote for me at `term`? (changes no term)
  pre_vote_response,   // reject or grant
  heartbeat,           // leader -> member: commit (capped at what the member holds)
  heartbeat_response,  // I am alive and follow you
  snapshot,            // leader -> member too far behind: the snapshot
  // Leadership transfer, leader -> the chosen voter once its log is the
  // leader's: campaign now, without pre-vote, with `transfer` set.
  timeout_now,
};
inline constexpr std::uint32_t kMessageTypeCount = 10;

const char* to_string(MessageType type);

struct Message {
  MessageType type = MessageType::append;
  NodeId from{};  // initialisers let handlers build messages with designated initialisers
  NodeId to{};
  std::uint64_t term = 0;
  std::uint64_t log_term = 0;
  std::uint64_t index = 0;
  std::uint64_t commit = 0;
  bool reject = false;
  std::uint64_t reject_hint = 0;
  std::vector<LogEntry> entries{};
  std::optional<Snapshot> snapshot{};
  // On a vote: the campaign was asked for by the leader (timeout_now), so a
  // voter that hears that leader still votes (its lease does not apply).
  bool transfer = false;
};

}  // namespace desaster::raft
