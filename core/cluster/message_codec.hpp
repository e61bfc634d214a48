// Raft messages on the wire between nodes. A message is one msgpack array:
//
//   [version=1, type, from (bin 16), to (bin 16), term, log_term, index,
//    commit, reject, reject_hint, entries, snapshot]
//   entries  = [[term, index, timestamp, kind, op (bin)], ...]
//   snapshot = nil | [index, term, voters [id...], learners [id...], data (bin)]
//
// Decoding is strict: wrong types, counts, unknown enum values, trailing
// bytes or a claim bigger than the input are errors that name the field.
#pragma once

#include <string>
#include <string_view>

#include "core/cluster/raft_message.hpp"
#include "core/model/status.hpp"

namespace desaster::raft {

inline constexpr std::uint64_t kRaftMessageVersion = 1;

std::string encode_message(const Message& message);
Result<Message> decode_message(std::string_view bytes);

}  // namespace desaster::raft
