// FeedPublisher (feed_publisher.hpp).
#include "core/node/feed_publisher.hpp"

#include "transport/protocol/feed_frame.hpp"

namespace desaster {

FeedPublisher::FeedPublisher(zmq::socket_t* socket, const State& state, FeedRing ring)
    : socket_(socket), state_(state), ring_(std::move(ring)) {}

void FeedPublisher::publish(const LogEntry& entry) {
  std::string frame = protocol::encode_feed_frame(entry);
  if (socket_ != nullptr) {
    try {
      // PUB drops for a subscriber at its high-water mark instead of blocking.
      if (!socket_->send(zmq::buffer(frame), zmq::send_flags::dontwait)) ++send_failures_;
    } catch (const zmq::error_t&) {
      ++send_failures_;
    }
  }
  last_index_ = entry.index;
  last_term_ = entry.term;
  ++published_;
  ring_.push(entry.index, std::move(frame));
}

void FeedPublisher::heartbeat() {
  snapshots_.tick();
  const bool idle = published_ == published_at_heartbeat_;
  published_at_heartbeat_ = published_;
  if (!idle || socket_ == nullptr || ring_.size() == 0) return;
  std::optional<std::vector<std::string>> last =
      ring_.range(ring_.last_index(), ring_.last_index(), protocol::kMaxFeedOpsBytes);
  if (!last || last->empty()) return;
  try {
    if (!socket_->send(zmq::buffer(last->front()), zmq::send_flags::dontwait)) ++send_failures_;
  } catch (const zmq::error_t&) {
    ++send_failures_;
  }
}

Result<protocol::FeedSnapshotReply> FeedPublisher::snapshot(const protocol::FeedSnapshot& request) {
  FeedSnapshotCache::Position now{state_.applied_index(), state_.applied_term()};
  if (last_index_ > now.index) now = {last_index_, last_term_};
  return snapshots_.read(request, now, [this] { return state_.encode_snapshot(); });
}

Result<protocol::FeedOpsReply> FeedPublisher::ops(std::uint64_t from, std::uint64_t to) const {
  std::optional<std::vector<std::string>> frames =
      ring_.range(from, to, protocol::kMaxFeedOpsBytes);
  if (!frames) {
    std::string held = ring_.size() == 0 ? "none"
                                         : std::to_string(ring_.first_index()) + ".." +
                                               std::to_string(ring_.last_index());
    return Status::error(ErrorCode::not_found, "too old, take a snapshot (entries from " +
                                                   std::to_string(from) +
                                                   " asked for, this node keeps " + held + ")");
  }
  return protocol::FeedOpsReply{std::move(*frames)};
}

}  // namespace desaster
