// Force-recovery: the way out for a cluster that lost its majority for good
// (a two-node cluster whose voter died; three voters of which two are
// gone). Raft cannot elect without a majority, and waiting does not bring
// one back, so an operator who accepts the risk makes the node they talk to
// the only voter: it writes a sole_voter entry (committed by fiat, as the
// bootstrap entry is), keeps its whole log -- entries it holds that were
// never committed become committed -- and leads alone. Writes acknowledged
// by the old majority that never reached this node are lost; that is the
// risk, and why the node refuses while it sees any sign of a working
// cluster (a leader, or a majority of voters it can reach).
#include "core/cluster/voter_reach.hpp"
#include "core/node/raft_driver.hpp"

namespace desaster {

Result<RaftDriver::ForcedRecovery> RaftDriver::force_recovery(bool accept_risk) {
  if (!accept_risk) {
    return Status::error(ErrorCode::bad_request,
                         "force-recovery makes this node the only voter and may lose acknowledged "
                         "writes; it needs the operator's explicit acceptance of that risk");
  }
  if (closed_ || failed_)
    return Status::error(ErrorCode::unavailable, "the node is shutting down or failed");
  if (!in_cluster())
    return Status::error(ErrorCode::conflict, "this node is not a member of a cluster");
  const TimeMs now = clock_();
  const raft::NodeId leader = raft_->leader();
  if (leading()) {
    return Status::error(ErrorCode::conflict,
                         "this node is the leader: the cluster still commits, nothing to recover");
  }
  // A learner keeps the leader it knew however long it is silent (it never
  // campaigns), so "sees a leader" means heard from it lately.
  TimeMs last_contact = leaderless_since_;
  if (!leader.empty()) {
    auto heard = last_heard_.find(leader);
    last_contact = heard != last_heard_.end() ? heard->second : started_ms_;
  }
  const TimeMs election_ms = static_cast<TimeMs>(options_.election_ticks * options_.tick_ms);
  if (!leader.empty() && now - last_contact < election_ms) {
    return Status::error(ErrorCode::conflict, "this node sees a leader (" + describe(leader.hex()) +
                                                  "): the cluster still commits, nothing to "
                                                  "recover");
  }
  // As not_leader_message: two pre-vote rounds without a reply mean gone.
  const TimeMs rounds = 4 * election_ms;
  if (now - last_contact < rounds) {
    return Status::error(ErrorCode::unavailable,
                         "this node lost its leader less than " + std::to_string(rounds) +
                             " ms ago and cannot tell yet who is gone; try again shortly");
  }
  const raft::ConfState conf = raft_->conf();
  const raft::VoterReach reach = raft::voter_reach(conf, self_, last_heard_, now, rounds);
  if (reach.majority()) {
    return Status::error(ErrorCode::conflict,
                         "this node reaches " + std::to_string(reach.reachable) + " of " +
                             std::to_string(reach.voters) +
                             " voters, a majority: they can elect a leader without force");
  }
  if (in_ready_ || raft_->log().last_index() != journal_.last_index()) {
    return Status::error(ErrorCode::unavailable, "a write is in flight; try again shortly");
  }
  ForcedRecovery result;
  for (const raft::NodeId& id : conf.voters)
    if (id != self_) result.dropped.push_back(id.hex());
  for (const raft::NodeId& id : conf.learners)
    if (id != self_) result.dropped.push_back(id.hex());
  if (!append_by_fiat({raft::ConfChangeType::sole_voter, self_}, now))
    return Status::error(ErrorCode::io_error, "the journal refused the recovery entry");
  result.index = raft_->log().last_index();
  result.term = raft_->log().last_term();
  std::string dropped;
  for (const std::string& id : result.dropped)
    dropped += (dropped.empty() ? "" : ", ") + id.substr(0, 8);
  log_.error(
      "raft: FORCE-RECOVERY by an operator who accepted the risk: this node is now the "
      "only voter of its cluster, keeping its log up to index " +
      std::to_string(result.index) + " (term " + std::to_string(result.term) +
      "); dropped members: " + (dropped.empty() ? "none" : dropped) +
      ". Writes that only they had are lost; wipe their data dirs before they return "
      "(with their old log they still believe in the old membership)");
  raft_->campaign();
  note_role("force-recovery");
  return result;
}

}  // namespace desaster
