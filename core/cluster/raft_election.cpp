// Elections: role changes, (pre-)votes, the election timer and check-quorum.
#include "core/cluster/raft.hpp"

namespace desaster::raft {

void Raft::reset(std::uint64_t term) {
  if (term != term_) {
    term_ = term;
    vote_ = kNoNode;
  }
  leader_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  const auto spread = static_cast<std::uint64_t>(config_.election_ticks);
  randomized_election_ticks_ = config_.election_ticks + static_cast<int>(rng_.below(spread));
  votes_.clear();
  progress_.clear();
  transferee_ = kNoNode;
  transfer_elapsed_ = 0;
}

void Raft::become_follower(std::uint64_t term, const NodeId& leader) {
  reset(term);
  role_ = Role::follower;
  leader_ = leader;
}

bool Raft::step_down_after_pause() {
  if (role_ != Role::leader || conf_.voters.size() <= 1) return false;
  become_follower(term_, kNoNode);
  return true;
}

void Raft::become_pre_candidate() {
  // Not reset(): a pre-candidate keeps its term and vote.
  role_ = Role::pre_candidate;
  leader_ = kNoNode;
  votes_.clear();
  election_elapsed_ = 0;
}

void Raft::become_candidate() {
  reset(term_ + 1);
  role_ = Role::candidate;
  vote_ = config_.id;
}

void Raft::become_leader() {
  reset(term_);
  role_ = Role::leader;
  leader_ = config_.id;
  reset_progress();
  // The first entry of the term. Until it is committed the leader does not
  // know what its predecessors committed, so it proposes no membership
  // change before it is applied (Ongaro's fix for single-server changes).
  append_as_leader({{term_, 0, last_now_, config_.term_start_op, EntryKind::op}});
  pending_conf_index_ = log_.last_index();
}

// transfer: asked for by the leader (timeout_now); voters grant it despite
// still hearing that leader.
void Raft::start_election(bool pre, bool transfer) {
  if (!promotable()) return;
  if (pre) {
    become_pre_candidate();
  } else {
    become_candidate();
  }
  const MessageType type = pre ? MessageType::pre_vote : MessageType::vote;
  const std::uint64_t term = pre ? term_ + 1 : term_;
  votes_[config_.id] = true;
  if (votes_.size() >= quorum()) {  // a one-voter cluster
    if (pre) {
      start_election(false);
    } else {
      become_leader();
    }
    return;
  }
  for (const NodeId& voter : conf_.voters) {
    if (voter == config_.id) continue;
    send({.type = type,
          .to = voter,
          .term = term,
          .log_term = log_.last_term(),
          .index = log_.last_index(),
          .transfer = transfer && !pre});
  }
}

void Raft::handle_vote_request(const Message& m) {
  const bool pre = m.type == MessageType::pre_vote;
  const MessageType answer = pre ? MessageType::pre_vote_response : MessageType::vote_response;
  const bool can_vote =
      vote_ == m.from || (vote_.empty() && leader_.empty()) || (pre && m.term > term_);
  // A node answers even if it thinks it is a learner: it may have been
  // promoted by an entry it has not applied yet, and without its vote the
  // new voters could never elect anyone (etcd does the same). Only the
  // candidate's own configuration decides whose votes count.
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    send({.type = answer, .to = m.from, .term = m.term});
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    send({.type = answer, .to = m.from, .reject = true});
  }
}

void Raft::handle_vote_response(const Message& m) {
  const bool pre = role_ == Role::pre_candidate;
  if ((m.type == MessageType::pre_vote_response) != pre) return;  // for the other phase
  if (!conf_.voters.count(m.from)) return;
  votes_.emplace(m.from, !m.reject);
  std::size_t granted = 0;
  std::size_t rejected = 0;
  for (const auto& [voter, yes] : votes_) (yes ? granted : rejected) += 1;
  if (granted >= quorum()) {
    if (pre) {
      start_election(false);
    } else {
      become_leader();
    }
  } else if (rejected > conf_.voters.size() - quorum()) {
    become_follower(term_, kNoNode);
  }
}

void Raft::tick_election() {
  ++election_elapsed_;
  if (promotable() && election_elapsed_ >= randomized_election_ticks_) {
    election_elapsed_ = 0;
    start_election(config_.pre_vote);
  }
}

void Raft::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  tick_transfer();
  if (election_elapsed_ >= config_.election_ticks) {
    election_elapsed_ = 0;
    if (config_.check_quorum && !quorum_active()) {
      // Cut off from a majority: stop taking writes it cannot commit.
      become_follower(term_, kNoNode);
      return;
    }
    for (auto& [id, pr] : progress_) pr.recent_active = false;
  }
  for (auto& [id, pr] : progress_) {
    if (pr.state() == ProgressState::snapshot &&
        ++pr.snapshot_ticks >= config_.snapshot_retry_ticks)
      pr.become_probe();  // the snapshot (or its answer) was lost: try again
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    broadcast_heartbeat();
  }
}

bool Raft::quorum_active() const {
  std::size_t active = 0;
  for (const NodeId& voter : conf_.voters) {
    if (voter == config_.id) {
      ++active;
      continue;
    }
    auto it = progress_.find(voter);
    if (it != progress_.end() && it->second.recent_active) ++active;
  }
  return active >= quorum();
}

}  // namespace desaster::raft
