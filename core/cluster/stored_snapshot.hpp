// The bytes a clustered node keeps in its journal snapshot: the state
// machine's snapshot together with the membership as of its index, which a
// restart needs (the entries that changed it are compacted away).
//
//   "DSTRCONF" | msgpack [version=1, voters [id (bin 16)...],
//                         learners [id...], data (bin)]
//
// Bytes without the magic are a standalone node's snapshot: the State's
// bytes as they are, with no membership. Decoding is strict like the message
// codec's (errors name the field).
#pragma once

#include <string>
#include <string_view>

#include "core/cluster/raft_types.hpp"
#include "core/model/status.hpp"

namespace desaster::raft {

inline constexpr std::string_view kStoredSnapshotMagic = "DSTRCONF";
inline constexpr std::uint64_t kStoredSnapshotVersion = 1;

struct StoredSnapshot {
  ConfState conf;
  std::string data;  // State::encode_snapshot()
};

std::string encode_stored_snapshot(const ConfState& conf, std::string_view data);
Result<StoredSnapshot> decode_stored_snapshot(std::string_view bytes);

}  // namespace desaster::raft
