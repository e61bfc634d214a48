#include "core/cluster/progress.hpp"

#include <algorithm>

namespace desaster::raft {

bool Progress::paused() const {
  switch (state_) {
    case ProgressState::probe:
      return probe_sent_;
    case ProgressState::replicate:
      return inflight_.size() >= max_inflight_;
    case ProgressState::snapshot:
      return true;
  }
  return true;
}

void Progress::become_probe() {
  // After a snapshot, the member holds at least the snapshot.
  next_ = state_ == ProgressState::snapshot ? std::max(match_, pending_snapshot_) + 1 : match_ + 1;
  state_ = ProgressState::probe;
  probe_sent_ = false;
  pending_snapshot_ = 0;
  inflight_.clear();
}

void Progress::become_replicate() {
  next_ = match_ + 1;
  state_ = ProgressState::replicate;
  probe_sent_ = false;
  inflight_.clear();
}

void Progress::become_snapshot(std::uint64_t index) {
  state_ = ProgressState::snapshot;
  pending_snapshot_ = index;
  probe_sent_ = false;
  snapshot_ticks = 0;
  inflight_.clear();
}

bool Progress::update(std::uint64_t index) {
  bool updated = false;
  if (index > match_) {
    match_ = index;
    probe_sent_ = false;
    updated = true;
  }
  next_ = std::max(next_, index + 1);
  while (!inflight_.empty() && inflight_.front() <= index) inflight_.pop_front();
  return updated;
}

bool Progress::decrease_to(std::uint64_t rejected, std::uint64_t hint) {
  if (state_ == ProgressState::replicate) {
    if (rejected <= match_) return false;  // stale: that append was answered already
    next_ = match_ + 1;
    return true;
  }
  if (next_ == 0 || next_ - 1 != rejected) return false;  // not the probe we sent last
  next_ = std::max(std::min(rejected, hint + 1), match_ + 1);
  probe_sent_ = false;
  return true;
}

void Progress::sent(std::uint64_t last) {
  switch (state_) {
    case ProgressState::replicate:
      next_ = last + 1;
      inflight_.push_back(last);
      break;
    case ProgressState::probe:
      probe_sent_ = true;
      break;
    case ProgressState::snapshot:
      break;
  }
}

void Progress::heard_heartbeat() {
  probe_sent_ = false;
  if (state_ == ProgressState::replicate && inflight_.size() >= max_inflight_)
    inflight_.pop_front();
}

}  // namespace desaster::raft
