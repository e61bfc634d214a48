// Leadership transfer (etcd raft's MsgTransferLeader / MsgTimeoutNow, Raft
// thesis §3.10): the leader stops taking proposals, brings the chosen
// voter's log up to its own, then tells it to campaign at once. The target
// skips pre-vote and marks its votes as a transfer's, so voters that still
// hear the old leader (within their election timeout) vote anyway. A
// transfer that has not deposed the leader within one election timeout is
// abandoned and proposals resume.
#include "core/cluster/raft.hpp"

namespace desaster::raft {

Status Raft::transfer_leadership(const NodeId& target) {
  if (role_ != Role::leader) {
    return Status::error(ErrorCode::unavailable,
                         leader_.empty() ? "not the leader, and no leader is known"
                                         : "not the leader; the leader is " + leader_.hex());
  }
  NodeId to = target.empty() ? most_up_to_date_voter() : target;
  if (to.empty()) {
    return Status::error(ErrorCode::bad_request, "no other voter to hand leadership to");
  }
  if (to == config_.id) return Status::success();  // it leads already
  if (!conf_.voters.count(to) || !progress_.count(to)) {
    return Status::error(ErrorCode::bad_request,
                         to.hex() + " is not a voter: only a voter can lead");
  }
  if (transferee_ == to) return Status::success();  // under way
  transferee_ = to;
  transfer_elapsed_ = 0;
  if (progress_.at(to).match() == log_.last_index()) {
    send({.type = MessageType::timeout_now, .to = to});
  } else {
    send_append(to, true);  // timeout_now follows its answer (maybe_send_timeout_now)
  }
  return Status::success();
}

NodeId Raft::most_up_to_date_voter() const {
  // Highest match first, and among those one heard from lately: a voter
  // that answers will campaign soonest. Ties go to the lowest id, so the
  // choice is deterministic.
  NodeId best;
  std::uint64_t best_match = 0;
  bool best_active = false;
  for (const NodeId& voter : conf_.voters) {
    auto it = progress_.find(voter);
    if (voter == config_.id || it == progress_.end()) continue;
    const Progress& pr = it->second;
    const bool better = best.empty() || pr.match() > best_match ||
                        (pr.match() == best_match && pr.recent_active && !best_active);
    if (better) {
      best = voter;
      best_match = pr.match();
      best_active = pr.recent_active;
    }
  }
  return best;
}

void Raft::maybe_send_timeout_now(const NodeId& from) {
  if (from != transferee_ || role_ != Role::leader) return;
  auto it = progress_.find(from);
  if (it != progress_.end() && it->second.match() == log_.last_index())
    send({.type = MessageType::timeout_now, .to = from});
}

void Raft::abort_transfer() {
  transferee_ = kNoNode;
  transfer_elapsed_ = 0;
}

void Raft::tick_transfer() {
  if (transferee_.empty()) return;
  if (++transfer_elapsed_ >= config_.election_ticks) abort_transfer();
}

void Raft::handle_timeout_now(const Message& m) {
  // Only the leader we follow may ask; a learner cannot campaign.
  if (m.from != leader_ || !promotable()) return;
  start_election(false, true);
}

}  // namespace desaster::raft
