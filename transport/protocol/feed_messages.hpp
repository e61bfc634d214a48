// The requests and replies of the state feed's catch-up path (the feed
// itself is PUB frames, feed_frame.hpp). Included by messages.hpp; the codec
// is feed_codec.cpp.
//
// "feed_snapshot" {} -> {index, term, snapshot (bin)}: State::encode_snapshot
//   of the answering node at its applied log position (index, term).
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

struct FeedSnapshot {};
struct FeedOps {
  std::uint64_t from = 0;
  std::uint64_t to = 0;
};

struct FeedSnapshotReply {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::string snapshot;
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
