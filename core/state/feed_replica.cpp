// FeedReplica (feed_replica.hpp): ordering, buffering and gaps of the state
// feed's subscriber side.
#include "core/state/feed_replica.hpp"

#include "core/state/op_codec.hpp"

namespace desaster {

FeedReplica::FeedReplica(std::size_t max_buffered) : max_buffered_(max_buffered) {}

Status FeedReplica::load_snapshot(std::uint64_t index, std::uint64_t term,
                                  std::string_view snapshot) {
  Result<State> decoded = State::decode_snapshot(snapshot);
  if (!decoded.ok()) return decoded.status();
  state_ = std::move(*decoded);
  index_ = index;
  term_ = term;
  has_snapshot_ = true;
  needs_snapshot_ = false;
  buffered_.erase(buffered_.begin(), buffered_.upper_bound(index_));
  return drain();
}

Result<FeedOffer> FeedReplica::offer(LogEntry entry) {
  if (has_snapshot_ && entry.index <= index_) return FeedOffer::duplicate;
  if (has_snapshot_ && !needs_snapshot_ && entry.index == index_ + 1) {
    if (Status s = apply(entry); !s.ok()) return s;
    if (Status s = drain(); !s.ok()) return s;
    return FeedOffer::applied;
  }
  if (buffered_.count(entry.index) != 0) return FeedOffer::duplicate;
  if (buffered_.size() >= max_buffered_) {
    if (!has_snapshot_) {
      // Before the first snapshot the oldest entries are the ones it will
      // most likely cover: keep the newest.
      if (entry.index < buffered_.begin()->first) return FeedOffer::dropped;
      buffered_.erase(buffered_.begin());
    } else {
      // A gap nobody filled for this long: only a snapshot helps now.
      needs_snapshot_ = true;
      buffered_.clear();
      return FeedOffer::dropped;
    }
  }
  buffered_.emplace(entry.index, std::move(entry));
  return FeedOffer::buffered;
}

std::optional<FeedGap> FeedReplica::gap() const {
  if (!has_snapshot_ || needs_snapshot_ || buffered_.empty()) return std::nullopt;
  const std::uint64_t first = buffered_.begin()->first;
  if (first <= index_ + 1) return std::nullopt;
  return FeedGap{index_ + 1, first - 1};
}

Status FeedReplica::apply(const LogEntry& entry) {
  if (entry.kind == EntryKind::op) {
    Result<Op> op = decode_op(entry.op);
    if (!op.ok()) {
      needs_snapshot_ = true;
      buffered_.clear();
      return Status::error(op.status().code, "feed entry " + std::to_string(entry.index) +
                                                 " does not decode: " + op.status().message);
    }
    ApplyResult result = state_.apply(*op, ApplyContext{entry.term, entry.index, entry.timestamp});
    index_ = entry.index;
    term_ = entry.term;
    if (on_applied_) on_applied_(entry, *op, result);
    return Status::success();
  }
  index_ = entry.index;
  term_ = entry.term;
  return Status::success();
}

Status FeedReplica::drain() {
  while (!buffered_.empty() && buffered_.begin()->first == index_ + 1) {
    LogEntry next = std::move(buffered_.begin()->second);
    buffered_.erase(buffered_.begin());
    if (Status s = apply(next); !s.ok()) return s;
  }
  return Status::success();
}

}  // namespace desaster
