// The state feed's frame: one committed log entry as a node publishes it on
// its PUB socket (TCP PORT+1) and as "feed_ops" replies carry it.
//
//   [kFeedFrameVersion, index, term, timestamp, kind, op (bin)]
//
// index and term are the entry's log position (the Raft index on a clustered
// node, the journal index standalone); timestamp is the master's clock when
// it proposed the op, which apply() needs to give every replica the same
// state. kind is EntryKind: an op (encode_op bytes) or a Raft membership
// change, published too so the sequence has no holes (a replica skips it).
// A new layout is a new version; decoders refuse versions they do not know.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/log_entry.hpp"
#include "core/model/status.hpp"

namespace desaster::protocol {

inline constexpr std::uint32_t kFeedFrameVersion = 1;

std::string encode_feed_frame(const LogEntry& entry);
// Errors say what was wrong ("feed frame field 'index' must be ...").
Result<LogEntry> decode_feed_frame(std::string_view frame);

}  // namespace desaster::protocol
