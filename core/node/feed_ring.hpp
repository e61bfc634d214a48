// The recent frames of the state feed, kept in memory so a subscriber that
// missed some (a slow SUB past its high-water mark, a reconnect) can fetch
// them with "feed_ops" instead of a whole snapshot. Bounded by a count and
// by bytes; the oldest frames go first. Frames are contiguous by index: a
// frame that does not follow the last one (a follower installed a snapshot)
// starts the ring afresh.
//
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace desaster {

class FeedRing {
 public:
  static constexpr std::size_t kDefaultMaxFrames = 100'000;
  static constexpr std::size_t kDefaultMaxBytes = 64u << 20;

  explicit FeedRing(std::size_t max_frames = kDefaultMaxFrames,
                    std::size_t max_bytes = kDefaultMaxBytes);

  void push(std::uint64_t index, std::string frame);

  // The frames from..to (inclusive; `to` past the last is cut to the last),
  // at most max_bytes of them (at least one), in order. None when `from` is
  // older than the oldest frame kept, or newer than the last.
  std::optional<std::vector<std::string>> range(std::uint64_t from, std::uint64_t to,
                                                std::size_t max_bytes) const;

  std::uint64_t first_index() const { return frames_.empty() ? 0 : first_; }
  std::uint64_t last_index() const { return frames_.empty() ? 0 : first_ + frames_.size() - 1; }
  std::size_t size() const { return frames_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t max_frames_;
  std::size_t max_bytes_;
  std::uint64_t first_ = 0;
  std::deque<std::string> frames_;
  std::size_t bytes_ = 0;
};

}  // namespace desaster
