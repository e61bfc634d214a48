// Raft's entry points: construction from storage, step, tick, proposals and
// the Ready/advance cycle. Elections, replication and membership live in
// raft_election.cpp, raft_replication.cpp and raft_membership.cpp.
#include "core/cluster/raft.hpp"

#include <algorithm>
#include <utility>

namespace desaster::raft {

const char* to_string(Role role) {
  switch (role) {
    case Role::follower:
      return "follower";
    case Role::pre_candidate:
      return "pre-candidate";
    case Role::candidate:
      return "candidate";
    case Role::leader:
      return "leader";
  }
  return "unknown";
}

Raft::Raft(RaftConfig config, RaftStorage storage)
    : config_(std::move(config)), rng_(config_.seed ^ config_.id.hi ^ (config_.id.lo * 31)) {
  if (config_.election_ticks < 1) config_.election_ticks = 1;
  if (config_.heartbeat_ticks < 1) config_.heartbeat_ticks = 1;
  if (config_.snapshot_retry_ticks < 1) config_.snapshot_retry_ticks = config_.election_ticks;
  if (config_.max_inflight < 1) config_.max_inflight = 1;
  log_.reset(storage.snapshot.meta, std::move(storage.entries), storage.hard_state.commit);
  conf_ = storage.snapshot.meta.conf;  // later changes take effect again as they are re-applied
  conf_index_ = storage.snapshot.meta.index;
  snapshot_ = std::move(storage.snapshot);
  term_ = storage.hard_state.term;
  vote_ = storage.hard_state.vote;
  become_follower(term_, kNoNode);
  last_hard_state_ = hard_state();
}

Status Raft::check_message(const Message& m) const {
  auto bad = [&](const std::string& what) {
    return Status::error(ErrorCode::bad_request, std::string("raft ") + to_string(m.type) +
                                                     " from " + m.from.hex() + ": " + what);
  };
  if (m.to != config_.id) return bad("addressed to " + m.to.hex());
  if (m.from.empty() || m.from == config_.id) return bad("bad sender");
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    const LogEntry& e = m.entries[i];
    if (e.index != m.index + 1 + i)
      return bad("entries do not follow index " + std::to_string(m.index));
    if (e.term > m.term) return bad("an entry's term is above the message's");
    if (e.term < (i == 0 ? m.log_term : m.entries[i - 1].term)) return bad("entry terms go down");
  }
  if (m.type == MessageType::snapshot && !m.snapshot) return bad("no snapshot");
  return Status::success();
}

Status Raft::step(const Message& m) {
  Status valid = check_message(m);
  if (!valid.ok()) return valid;

  if (m.term > term_) {
    const bool vote_request = m.type == MessageType::vote || m.type == MessageType::pre_vote;
    // A member that heard from a leader within the election timeout does not
    // help depose it: this keeps a node that was cut off (and campaigned)
    // from disrupting a healthy cluster when it comes back.
    // A vote of a leadership transfer is the leader's own wish: no lease.
    if (vote_request && !m.transfer && config_.check_quorum && !leader_.empty() &&
        election_elapsed_ < config_.election_ticks) {
      return Status::success();
    }
    if (m.type == MessageType::pre_vote) {
      // A pre-vote changes no term.
    } else if (m.type == MessageType::pre_vote_response && !m.reject) {
      // Granted pre-votes carry the future term; the term moves on winning.
    } else if (m.type == MessageType::append || m.type == MessageType::heartbeat ||
               m.type == MessageType::snapshot) {
      become_follower(m.term, m.from);
    } else {
      become_follower(m.term, kNoNode);
    }
  } else if (m.term < term_) {
    if ((config_.check_quorum || config_.pre_vote) &&
        (m.type == MessageType::append || m.type == MessageType::heartbeat)) {
      // A stale leader cut off for a while: tell it the term so it steps
      // down (with pre-vote its term no longer reaches us through votes).
      send({.type = MessageType::append_response, .to = m.from});
    } else if (m.type == MessageType::pre_vote) {
      send({.type = MessageType::pre_vote_response, .to = m.from, .reject = true});
    }
    return Status::success();
  }

  switch (m.type) {
    case MessageType::vote:
    case MessageType::pre_vote:
      handle_vote_request(m);
      break;
    case MessageType::append:
    case MessageType::append_response:
    case MessageType::vote_response:
    case MessageType::pre_vote_response:
    case MessageType::heartbeat:
    case MessageType::heartbeat_response:
    case MessageType::snapshot:
    case MessageType::timeout_now:
      step_by_role(m);
      break;
  }
  return Status::success();
}

void Raft::step_by_role(const Message& m) {
  switch (role_) {
    case Role::leader:
      if (m.type == MessageType::append_response) handle_append_response(m);
      if (m.type == MessageType::heartbeat_response) handle_heartbeat_response(m);
      return;
    case Role::pre_candidate:
    case Role::candidate:
      if (m.type == MessageType::append || m.type == MessageType::heartbeat ||
          m.type == MessageType::snapshot) {
        become_follower(m.term, m.from);  // a leader of our term exists
        break;
      }
      if (m.type == MessageType::vote_response || m.type == MessageType::pre_vote_response)
        handle_vote_response(m);
      return;
    case Role::follower:
      break;
  }
  switch (m.type) {
    case MessageType::append:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_append(m);
      break;
    case MessageType::heartbeat:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_heartbeat(m);
      break;
    case MessageType::snapshot:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_snapshot(m);
      break;
    case MessageType::timeout_now:
      handle_timeout_now(m);
      break;
    case MessageType::append_response:
    case MessageType::vote:
    case MessageType::vote_response:
    case MessageType::pre_vote:
    case MessageType::pre_vote_response:
    case MessageType::heartbeat_response:
      break;  // stale answers to a role we left
  }
}

void Raft::tick(TimeMs now) {
  last_now_ = std::max(last_now_, now);
  switch (role_) {
    case Role::follower:
    case Role::pre_candidate:
    case Role::candidate:
      tick_election();
      break;
    case Role::leader:
      tick_heartbeat();
      break;
  }
}

Result<std::uint64_t> Raft::propose(const std::vector<std::string>& ops, TimeMs now) {
  if (role_ != Role::leader) {
    return Status::error(ErrorCode::unavailable,
                         leader_.empty() ? "not the leader, and no leader is known"
                                         : "not the leader; the leader is " + leader_.hex());
  }
  if (!transferee_.empty()) return transfer_refusal();
  std::vector<LogEntry> entries;
  entries.reserve(ops.size());
  last_now_ = std::max(last_now_, now);
  for (const std::string& op : ops) entries.push_back({term_, 0, now, op, EntryKind::op});
  append_as_leader(std::move(entries));
  return log_.last_index();
}

Status Raft::transfer_refusal() const {
  return Status::error(ErrorCode::unavailable,
                       "leadership is being handed to " + transferee_.hex() + ": try again");
}

void Raft::campaign() {
  if (role_ != Role::leader) start_election(config_.pre_vote);
}

void Raft::send(Message m) {
  m.from = config_.id;
  // Responses to (pre-)votes carry the term they answer; all else ours.
  if (m.term == 0) m.term = term_;
  outbox_.push_back(std::move(m));
}

std::uint64_t Raft::match_of(const NodeId& id) const {
  if (id == config_.id) return log_.persisted();
  auto it = progress_.find(id);
  return it == progress_.end() ? 0 : it->second.match();
}

bool Raft::has_ready() const {
  return !outbox_.empty() || hard_state() != last_hard_state_ || received_snapshot_ ||
         log_.has_unpersisted() || log_.has_committed();
}

Ready Raft::ready() {
  Ready r;
  r.role = role_;
  r.leader = leader_;
  if (hard_state() != last_hard_state_) {
    r.hard_state = hard_state();
    last_hard_state_ = hard_state();
  }
  r.snapshot = std::move(received_snapshot_);
  received_snapshot_.reset();
  r.entries = log_.take_unpersisted();
  r.committed = log_.take_committed();
  r.messages = std::move(outbox_);
  outbox_.clear();
  return r;
}

std::vector<Message> Raft::take_promise_free_messages() {
  std::vector<Message> taken;
  std::vector<Message> kept;
  for (Message& m : outbox_) {
    const bool leader_says = role_ == Role::leader && m.term == term_ &&
                             (m.type == MessageType::append || m.type == MessageType::heartbeat ||
                              m.type == MessageType::snapshot);
    if (leader_says || m.type == MessageType::heartbeat_response) {
      taken.push_back(std::move(m));
    } else {
      kept.push_back(std::move(m));
    }
  }
  outbox_ = std::move(kept);
  return taken;
}

void Raft::advance(const Ready& r) {
  if (!r.entries.empty()) log_.persisted_to(r.entries.back().index, r.entries.back().term);
  for (const LogEntry& e : r.committed) {
    log_.applied_to(e.index);
    // A snapshot installed since this Ready was taken already holds the change.
    if (e.kind != EntryKind::config_change || e.index <= conf_index_) continue;
    conf_index_ = e.index;
    Result<ConfChange> change = decode_conf_change(e.op);
    if (change.ok()) apply_conf_change(*change);  // a leader never proposes a bad one
  }
  if (role_ == Role::leader && maybe_commit()) broadcast_append();
}

}  // namespace desaster::raft
