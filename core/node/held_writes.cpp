#include "core/node/held_writes.hpp"

namespace desaster {

bool HeldWrites::hold(const Peer& client, std::string_view frame, TimeMs now) {
  if (patience_ <= 0 || held_.size() >= kMaxWrites || frame.size() > kMaxBytes - bytes_)
    return false;
  bytes_ += frame.size();
  held_.push_back(Held{client, std::string(frame), now});
  return true;
}

std::vector<HeldWrites::Held> HeldWrites::take_all() {
  std::vector<Held> all(std::make_move_iterator(held_.begin()),
                        std::make_move_iterator(held_.end()));
  held_.clear();
  bytes_ = 0;
  return all;
}

std::vector<HeldWrites::Held> HeldWrites::take_expired(TimeMs now) {
  std::vector<Held> expired;
  // Arrival order is deadline order: the clock only goes forward here
  // (a step back holds a write longer, never drops it early).
  while (!held_.empty() && now - held_.front().since >= patience_) {
    bytes_ -= held_.front().frame.size();
    expired.push_back(std::move(held_.front()));
    held_.pop_front();
  }
  return expired;
}

}  // namespace desaster
