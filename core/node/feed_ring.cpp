// FeedRing (feed_ring.hpp).
#include "core/node/feed_ring.hpp"

namespace desaster {

FeedRing::FeedRing(std::size_t max_frames, std::size_t max_bytes)
    : max_frames_(max_frames == 0 ? 1 : max_frames), max_bytes_(max_bytes) {}

void FeedRing::push(std::uint64_t index, std::string frame) {
  if (frames_.empty() || index != last_index() + 1) {
    frames_.clear();
    bytes_ = 0;
    first_ = index;
  }
  bytes_ += frame.size();
  frames_.push_back(std::move(frame));
  while (frames_.size() > 1 && (frames_.size() > max_frames_ || bytes_ > max_bytes_)) {
    bytes_ -= frames_.front().size();
    frames_.pop_front();
    ++first_;
  }
}

std::optional<std::vector<std::string>> FeedRing::range(std::uint64_t from, std::uint64_t to,
                                                        std::size_t max_bytes) const {
  if (frames_.empty() || from < first_ || from > last_index() || to < from) return std::nullopt;
  const std::uint64_t last = std::min(to, last_index());
  std::vector<std::string> out;
  std::size_t taken = 0;
  for (std::uint64_t i = from; i <= last; ++i) {
    const std::string& frame = frames_[i - first_];
    if (!out.empty() && taken + frame.size() > max_bytes) break;
    taken += frame.size();
    out.push_back(frame);
  }
  return out;
}

}  // namespace desaster
