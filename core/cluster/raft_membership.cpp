// Membership: single-server changes proposed one at a time and applied when
// committed, the leader's per-member progress, and log compaction.
#include "core/cluster/raft.hpp"

namespace desaster::raft {

void Raft::reset_progress() {
  progress_.clear();
  auto add = [&](const NodeId& id) {
    if (id == config_.id) return;
    Progress pr(log_.last_index() + 1, config_.max_inflight);
    pr.recent_active = true;  // give every member a full timeout before check-quorum counts it
    progress_.emplace(id, pr);
  };
  for (const NodeId& id : conf_.voters) add(id);
  for (const NodeId& id : conf_.learners) add(id);
}

Status Raft::check_conf_change(const ConfChange& change) const {
  const std::string who = change.node.hex();
  if (change.node.empty()) return Status::error(ErrorCode::bad_request, "no node id");
  switch (change.type) {
    case ConfChangeType::add_learner:
      if (conf_.contains(change.node))
        return Status::error(ErrorCode::conflict, who + " is a member already");
      return Status::success();
    case ConfChangeType::promote:
      if (conf_.voters.count(change.node))
        return Status::error(ErrorCode::conflict, who + " is a voter already");
      return Status::success();
    case ConfChangeType::remove:
      if (!conf_.contains(change.node))
        return Status::error(ErrorCode::not_found, who + " is not a member");
      if (conf_.voters.count(change.node) && conf_.voters.size() == 1)
        return Status::error(ErrorCode::conflict, "cannot remove the last voter");
      return Status::success();
    case ConfChangeType::sole_voter:
      return Status::error(ErrorCode::bad_request,
                           "a sole-voter change is written by force-recovery, never proposed");
  }
  return Status::error(ErrorCode::bad_request, "unknown change");
}

Result<std::uint64_t> Raft::propose_conf_change(const ConfChange& change, TimeMs now) {
  if (role_ != Role::leader) return Status::error(ErrorCode::unavailable, "not the leader");
  if (!transferee_.empty()) return transfer_refusal();
  if (pending_conf_index_ > log_.applied()) {
    return Status::error(ErrorCode::conflict,
                         "a membership change (or the term's first entry) "
                         "at index " +
                             std::to_string(pending_conf_index_) + " is not applied yet");
  }
  Status valid = check_conf_change(change);
  if (!valid.ok()) return valid;
  append_as_leader({{term_, 0, now, encode_conf_change(change), EntryKind::config_change}});
  pending_conf_index_ = log_.last_index();
  return log_.last_index();
}

void Raft::apply_conf_change(const ConfChange& change) {
  const NodeId& node = change.node;
  switch (change.type) {
    case ConfChangeType::add_learner:
      if (!conf_.voters.count(node)) conf_.learners.insert(node);
      break;
    case ConfChangeType::promote:
      conf_.learners.erase(node);
      conf_.voters.insert(node);
      break;
    case ConfChangeType::remove:
      conf_.learners.erase(node);
      conf_.voters.erase(node);
      break;
    case ConfChangeType::sole_voter:
      conf_ = ConfState{{node}, {}};
      break;
  }
  if (role_ != Role::leader) return;
  if (!conf_.contains(config_.id) || !promotable()) {
    // Removed (or demoted): a leader that is not a voter steps down and
    // lets the remaining voters elect one of theirs.
    become_follower(term_, kNoNode);
    return;
  }
  if (!transferee_.empty() && !conf_.voters.count(transferee_)) abort_transfer();
  if (change.type == ConfChangeType::sole_voter) {
    progress_.clear();
  } else if (change.type == ConfChangeType::remove) {
    progress_.erase(node);
  } else if (node != config_.id && !progress_.count(node)) {
    Progress pr(log_.last_index() + 1, config_.max_inflight);
    pr.recent_active = true;
    progress_.emplace(node, pr);
  }
  // The quorum changed: entries may commit now (or need another member).
  if (maybe_commit()) broadcast_append();
}

void Raft::compact(std::string snapshot_data) {
  const std::uint64_t index = log_.applied();
  if (index <= log_.snapshot_index()) return;
  snapshot_.meta = {index, *log_.term_at(index), conf_};
  snapshot_.data = std::move(snapshot_data);
  log_.compact(index);
}

}  // namespace desaster::raft
