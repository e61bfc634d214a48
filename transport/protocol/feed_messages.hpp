// The requests and replies of the state feed's catch-up path (the feed
// itself is PUB frames, feed_frame.hpp). Included by messages.hpp; the codec
// is feed_codec.cpp.
//
// "feed_snapshot" {offset?, index?} -> {index, term, offset, total, snapshot
//   (bin)}: State::encode_snapshot of the answering node at its applied log
//   position (index, term), in chunks of at most kMaxFeedSnapshotChunkBytes.
//   Offset 0 (or none) starts a read at the node's position now; the next
//   chunks are asked for by the index that reply named and the offset
//   reached. not_found when the node no longer keeps that encoding: start
//   again from offset 0.
// "feed_ops" {from, to} -> {frames: [bin]}: the feed frames from..to
//   (inclusive) from the node's ring of recent frames, in order; fewer when
//   they would pass kMaxFeedOpsBytes (ask again from the next index). An
//   error not_found "too old, take a snapshot" when `from` is no longer kept
//   (or not yet published).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/status.hpp"

namespace desaster::protocol {

class BodyWriter;
class MapReader;

inline constexpr std::size_t kMaxFeedOpsBytes = 8u << 20;
inline constexpr std::size_t kMaxFeedSnapshotChunkBytes = 8u << 20;
// What a subscriber accepts as a snapshot's size: a hostile or broken node
// must not make it collect without end.
inline constexpr std::uint64_t kMaxFeedSnapshotBytes = 64ull << 30;

struct FeedSnapshot {
  std::uint64_t offset = 0;
  std::uint64_t index = 0;  // with an offset: the reading's snapshot
};
struct FeedOps {
  std::uint64_t from = 0;
  std::uint64_t to = 0;
};

struct FeedSnapshotReply {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::uint64_t offset = 0;  // of this chunk in the encoding
  std::uint64_t total = 0;   // the encoding's size
  std::string snapshot;      // the chunk
};
struct FeedOpsReply {
  std::vector<std::string> frames;
};

void write(BodyWriter& w, const FeedSnapshot& b);
void read(MapReader& r, FeedSnapshot& b);
void write(BodyWriter& w, const FeedOps& b);
void read(MapReader& r, FeedOps& b);

std::string encode_body(const FeedSnapshotReply& body);
std::string encode_body(const FeedOpsReply& body);
Status decode_body(std::string_view bytes, FeedSnapshotReply& out);
Status decode_body(std::string_view bytes, FeedOpsReply& out);

}  // namespace desaster::protocol
