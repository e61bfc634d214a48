// FeedSnapshotCache (feed_snapshot_cache.hpp).
#include "core/node/feed_snapshot_cache.hpp"

#include <algorithm>

namespace desaster {

FeedSnapshotCache::FeedSnapshotCache(std::size_t chunk_bytes, std::uint32_t idle_ticks)
    : chunk_bytes_(std::max<std::size_t>(chunk_bytes, 1)), idle_ticks_(idle_ticks) {}

Result<protocol::FeedSnapshotReply> FeedSnapshotCache::read(const protocol::FeedSnapshot& request,
                                                            Position now, const Encode& encode) {
  if (request.offset == 0) {
    if (!held_[0] || held_[0]->at.index != now.index || held_[0]->at.term != now.term) {
      held_[1] = std::move(held_[0]);
      held_[0] = std::make_unique<Encoding>(Encoding{now, encode()});
    }
    return chunk(*held_[0], 0);
  }
  for (std::unique_ptr<Encoding>& held : held_) {
    if (!held || held->at.index != request.index) continue;
    if (request.offset >= held->bytes.size()) {
      return Status::error(ErrorCode::bad_request,
                           "offset " + std::to_string(request.offset) + " is past the snapshot's " +
                               std::to_string(held->bytes.size()) + " bytes");
    }
    return chunk(*held, request.offset);
  }
  return Status::error(ErrorCode::not_found, "the snapshot at index " +
                                                 std::to_string(request.index) +
                                                 " is no longer kept, start again from offset 0");
}

protocol::FeedSnapshotReply FeedSnapshotCache::chunk(Encoding& encoding,
                                                     std::uint64_t offset) const {
  encoding.idle = 0;
  protocol::FeedSnapshotReply reply;
  reply.index = encoding.at.index;
  reply.term = encoding.at.term;
  reply.offset = offset;
  reply.total = encoding.bytes.size();
  reply.snapshot = encoding.bytes.substr(static_cast<std::size_t>(offset), chunk_bytes_);
  return reply;
}

void FeedSnapshotCache::tick() {
  for (std::unique_ptr<Encoding>& held : held_) {
    if (held && ++held->idle > idle_ticks_) held.reset();
  }
  if (!held_[0] && held_[1]) held_[0] = std::move(held_[1]);
}

std::size_t FeedSnapshotCache::held_bytes() const {
  std::size_t bytes = 0;
  for (const std::unique_ptr<Encoding>& held : held_) {
    if (held) bytes += held->bytes.size();
  }
  return bytes;
}

}  // namespace desaster
