// The leader's view of one member's log (etcd's tracker.Progress):
//
//   probe      send one append at a time until the member's match is found
//   replicate  stream appends, at most max_inflight unacknowledged at once
//   snapshot   the member needs a snapshot; wait for it to land (or time out)
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace desaster::raft {

enum class ProgressState : std::uint8_t { probe, replicate, snapshot };

class Progress {
 public:
  Progress(std::uint64_t next, std::size_t max_inflight)
      : next_(next), max_inflight_(max_inflight) {}

  std::uint64_t match() const { return match_; }
  std::uint64_t next() const { return next_; }
  ProgressState state() const { return state_; }
  std::uint64_t pending_snapshot() const { return pending_snapshot_; }
  std::size_t inflight() const { return inflight_.size(); }

  // No append may be sent now.
  bool paused() const;

  void become_probe();
  void become_replicate();
  void become_snapshot(std::uint64_t index);

  // An acknowledgement of index; false if it tells nothing new.
  bool update(std::uint64_t index);
  // A rejection of the append after `rejected`; the member's last index is
  // hint. False if the rejection is stale.
  bool decrease_to(std::uint64_t rejected, std::uint64_t hint);
  // An append of entries up to last was sent.
  void sent(std::uint64_t last);
  void probe_sent() { probe_sent_ = true; }
  // The member answered a heartbeat: an unanswered probe or a full window
  // may have been lost, so let one more append go.
  void heard_heartbeat();

  bool recent_active = false;
  int snapshot_ticks = 0;

 private:
  std::uint64_t match_ = 0;
  std::uint64_t next_ = 1;
  ProgressState state_ = ProgressState::probe;
  bool probe_sent_ = false;
  std::uint64_t pending_snapshot_ = 0;
  std::size_t max_inflight_;
  std::deque<std::uint64_t> inflight_;  // last index of each unacknowledged append
};

}  // namespace desaster::raft
