// The encoded State a "feed_snapshot" subscriber reads in chunks: a State of
// a million jobs is hundreds of MiB, more than one reply frame carries, and
// every chunk must come from the same encoding. Keeps the two newest
// encodings by log position (one subscriber may be mid-way through the older
// while another starts on the newer) and forgets them after a while unread,
// since each is as large as the State.
//
// Threading: loop thread only (FeedPublisher's).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/model/status.hpp"
#include "transport/protocol/feed_messages.hpp"

namespace desaster {

class FeedSnapshotCache {
 public:
  struct Position {
    std::uint64_t index = 0;
    std::uint64_t term = 0;
  };
  using Encode = std::function<std::string()>;

  // `idle_ticks`: tick() calls without a read before an encoding is dropped.
  explicit FeedSnapshotCache(std::size_t chunk_bytes = protocol::kMaxFeedSnapshotChunkBytes,
                             std::uint32_t idle_ticks = 30);

  // Offset 0 starts a read at `now` (encoding it unless the newest encoding
  // is already at that position); a later offset continues the encoding at
  // the request's index, or is not_found when that one is gone.
  Result<protocol::FeedSnapshotReply> read(const protocol::FeedSnapshot& request, Position now,
                                           const Encode& encode);
  void tick();

  std::size_t held_bytes() const;

 private:
  struct Encoding {
    Position at;
    std::string bytes;
    std::uint32_t idle = 0;
  };
  protocol::FeedSnapshotReply chunk(Encoding& encoding, std::uint64_t offset) const;

  std::size_t chunk_bytes_;
  std::uint32_t idle_ticks_;
  std::array<std::unique_ptr<Encoding>, 2> held_;  // [0] the newest
};

}  // namespace desaster
