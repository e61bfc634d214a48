#include "core/node/raft_driver.hpp"

#include <algorithm>

#include "core/cluster/message_codec.hpp"
#include "core/cluster/stored_snapshot.hpp"
#include "core/cluster/voter_reach.hpp"
#include "core/state/op_codec.hpp"

namespace desaster {

namespace {

raft::RaftStorage storage_from(const Recovery& recovery) {
  raft::RaftStorage storage;
  if (recovery.snapshot) {
    storage.snapshot.meta.index = recovery.snapshot->index;
    storage.snapshot.meta.term = recovery.snapshot->term;
    // The node refused to start on a snapshot that does not decode.
    if (Result<raft::StoredSnapshot> stored =
            raft::decode_stored_snapshot(recovery.snapshot->state);
        stored.ok()) {
      storage.snapshot.meta.conf = std::move(stored->conf);
      storage.snapshot.data = std::move(stored->data);
    }
  }
  storage.entries = recovery.entries;
  if (recovery.hard_state) {
    storage.hard_state.term = recovery.hard_state->term;
    if (auto vote = raft::NodeId::from_hex(recovery.hard_state->vote)) {
      storage.hard_state.vote = *vote;
    }
  }
  storage.snapshot.meta.conf = raft::conf_after(storage.snapshot.meta.conf, storage.entries);
  return storage;
}

}  // namespace

RaftDriver::RaftDriver(uv_loop_t* loop, Journal& journal, State& state, Logger& log, Clock clock,
                       RaftDriverOptions options, const Recovery& recovery, Send send,
                       PeerList peers)
    : loop_(loop),
      journal_(journal),
      state_(state),
      log_(log),
      clock_(std::move(clock)),
      options_(std::move(options)),
      send_(std::move(send)),
      peers_(std::move(peers)) {
  self_ = raft::NodeId::from_hex(options_.node_id).value_or(raft::NodeId{});
  config_.id = self_;
  config_.election_ticks = options_.election_ticks;
  config_.heartbeat_ticks = options_.heartbeat_ticks;
  config_.snapshot_retry_ticks = options_.snapshot_retry_ticks;
  config_.seed = static_cast<std::uint64_t>(clock_()) ^ self_.lo;
  config_.term_start_op = encode_op(LeaderStartOp{options_.node_id});
  raft::RaftStorage storage = storage_from(recovery);
  fresh_ = storage.snapshot.meta.conf.voters.empty() && storage.snapshot.meta.conf.learners.empty();
  if (recovery.hard_state) saved_hard_state_ = *recovery.hard_state;
  raft_ = std::make_unique<raft::Raft>(config_, std::move(storage));
  initial_last_index_ = raft_->log().last_index();
  last_term_ = raft_->term();
  journal_.set_durable_callback(
      [this](const Status& status, std::uint64_t, std::uint64_t) { on_durable(status); });
}

RaftDriver::~RaftDriver() = default;

void RaftDriver::start() {
  started_ms_ = clock_();
  leaderless_since_ = started_ms_;
  timer_ = new uv_timer_t;
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  uv_timer_start(
      timer_, [](uv_timer_t* h) noexcept { static_cast<RaftDriver*>(h->data)->on_tick(); },
      options_.tick_ms, options_.tick_ms);
  const raft::ConfState& conf = raft_->conf();
  if (fresh_) {
    log_.info("raft: a new node; waiting " + std::to_string(options_.bootstrap.discovery_ms) +
              " ms for peers before deciding whether to start a cluster or wait to be added");
  } else {
    log_.info("raft: member of a cluster of " + std::to_string(conf.voters.size()) +
              " voters and " + std::to_string(conf.learners.size()) +
              " learners (as of its log), term " + std::to_string(raft_->term()) + ", log up to " +
              std::to_string(raft_->log().last_index()));
  }
  // A one-voter cluster need not wait an election timeout to lead again.
  if (conf.voters.size() == 1 && conf.voters.count(self_)) raft_->campaign();
}

void RaftDriver::close() {
  if (closed_) return;
  closed_ = true;
  fail_pending("the node is shutting down");
  if (timer_) {
    uv_timer_stop(timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(timer_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    timer_ = nullptr;
  }
}

std::string RaftDriver::leader() const {
  return raft_->leader().empty() ? std::string() : raft_->leader().hex();
}

Result<std::string> RaftDriver::transfer_leadership(const std::string& node) {
  if (closed_ || failed_) return Status::error(ErrorCode::unavailable, "the node is shutting down");
  if (!leading()) {
    return Status::error(ErrorCode::unavailable,
                         raft_->leader().empty() ? "this node does not lead, and no leader is known"
                                                 : "this node does not lead; the leader is " +
                                                       describe(raft_->leader().hex()));
  }
  raft::NodeId target;
  if (!node.empty()) {
    std::vector<raft::NodeId> found;
    for (const raft::NodeId& voter : raft_->conf().voters) {
      if (voter.hex().rfind(node, 0) == 0) found.push_back(voter);
    }
    if (node.size() < 4 || found.size() != 1) {
      return Status::error(ErrorCode::bad_request,
                           "'" + node +
                               "' names no single voter (give its id or a unique prefix of "
                               "4 or more hex digits; `desasterctl nodes` lists them)");
    }
    target = found.front();
  }
  if (Status s = raft_->transfer_leadership(target); !s.ok()) return s;
  if (raft_->transferee().empty()) return self_.hex();
  log_.info("raft: handing leadership to " + describe(raft_->transferee().hex()) +
            "; writes wait until it leads");
  return raft_->transferee().hex();
}

std::string RaftDriver::transferee() const {
  return raft_->transferee().empty() ? std::string() : raft_->transferee().hex();
}

bool RaftDriver::in_cluster() const {
  return !raft_->conf().voters.empty() || !raft_->conf().learners.empty();
}

std::string RaftDriver::describe(const std::string& node_id) const {
  for (const DiscoveredPeer& peer : peers_())
    if (peer.node_id == node_id)
      return node_id.substr(0, 8) + " at " + peer.address + ":" +
             std::to_string(peer.peer_port - 2);
  return node_id.substr(0, 8);
}

std::string RaftDriver::no_majority_reason(TimeMs window) const {
  const raft::VoterReach reach =
      raft::voter_reach(raft_->conf(), self_, last_heard_, clock_(), window);
  if (reach.voters == 0 || reach.majority()) return "";
  return raft::no_majority_reason(reach);
}

std::string RaftDriver::not_leader_message() const {
  if (raft_->leader().empty()) {
    // Without a leader a voter asks every voter for a pre-vote at least
    // every two election timeouts, and hears back from each it can reach;
    // after two such rounds, silence means unreachable.
    const TimeMs rounds = static_cast<TimeMs>(4 * options_.election_ticks * options_.tick_ms);
    if (clock_() - leaderless_since_ >= rounds) {
      if (std::string why = no_majority_reason(rounds); !why.empty())
        return why + "; the write was not acknowledged";
    }
    return "this node is not the leader and knows no leader yet (an election may be under way); "
           "try again shortly";
  }
  return "this node is a follower and could not pass the write on; the leader is " +
         describe(raft_->leader().hex());
}

std::vector<MemberStatus> RaftDriver::members() const {
  std::vector<MemberStatus> result;
  const raft::ConfState& conf = raft_->conf();
  auto add = [&](const raft::NodeId& id, const char* role) {
    MemberStatus m;
    m.node_id = id.hex();
    m.role = id == raft_->leader() ? "leader" : role;
    if (leading()) {
      if (id == self_) {
        m.match = raft_->log().persisted();
        m.known_match = true;
      } else if (auto it = raft_->progress().find(id); it != raft_->progress().end()) {
        m.match = it->second.match();
        m.known_match = true;
      }
    }
    result.push_back(std::move(m));
  };
  for (const raft::NodeId& id : conf.voters) add(id, "voter");
  for (const raft::NodeId& id : conf.learners) add(id, "learner");
  return result;
}

void RaftDriver::propose(Op op, Proposer::Done done) {
  if (closed_ || failed_) {
    if (done) done(Status::error(ErrorCode::unavailable, "the node is shutting down"), {});
    return;
  }
  if (!leading()) {
    if (done) done(Status::error(ErrorCode::unavailable, not_leader_message()), {});
    return;
  }
  if (paused_for_election_timeout(clock_())) {
    // Woken from a pause and not ticked yet: the tick steps down (not here,
    // as the proposer's caller may be walking its workers).
    if (done)
      done(Status::error(ErrorCode::unavailable,
                         "this node was paused for longer than an election timeout and is "
                         "finding out whether it still leads; try again shortly"),
           {});
    return;
  }
  // Op timestamps never go backwards, even if the wall clock does.
  last_now_ = std::max(last_now_, clock_());
  Result<std::uint64_t> index = raft_->propose({encode_op(op)}, last_now_);
  if (!index.ok()) {
    if (done) done(index.status(), {});
    return;
  }
  pending_[*index] = Pending{raft_->term(), std::move(op), std::move(done)};
}

void RaftDriver::on_message(std::string_view bytes) {
  if (closed_ || suspended_) return;
  Result<raft::Message> message = raft::decode_message(bytes);
  if (!message.ok()) {
    log_.warn("raft: dropped a message that does not decode: " + message.status().message);
    return;
  }
  const raft::Message& m = *message;
  last_heard_[m.from] = clock_();
  if (m.type == raft::MessageType::append || m.type == raft::MessageType::heartbeat ||
      m.type == raft::MessageType::snapshot) {
    heard_leader_ = true;
  }
  if (Status s = raft_->step(m); !s.ok()) {
    log_.warn("raft: " + s.message);
    return;
  }
  note_role("message");
  if (m.type == raft::MessageType::heartbeat) send_promise_free();
}

bool RaftDriver::paused_for_election_timeout(TimeMs now) const {
  const TimeMs timeout = static_cast<TimeMs>(options_.election_ticks * options_.tick_ms);
  return last_tick_ != 0 && now - last_tick_ >= timeout && raft_->conf().voters.size() > 1;
}

bool RaftDriver::step_down_if_paused(TimeMs now) {
  if (!leading() || !paused_for_election_timeout(now)) return false;
  const TimeMs gap = now - last_tick_;
  if (!raft_->step_down_after_pause()) return false;
  paused_why_ = "stepped down: this node did not run for " + std::to_string(gap) +
                " ms (paused?), longer than an election timeout; another node may lead a newer "
                "term, so it decides nothing until it hears who leads";
  note_role("pause");
  return true;
}

void RaftDriver::on_tick() {
  if (closed_ || suspended_) return;
  const TimeMs now = clock_();
  step_down_if_paused(now);
  last_tick_ = now;
  raft_->tick(now);
  note_role("tick");
  if (fresh_) maybe_bootstrap(now);
  if (leading()) run_autopilot(now);
  send_promise_free();
  process_ready();
}

void RaftDriver::send_promise_free() {
  // Only while a Ready waits for the disk: otherwise the next one sends them.
  if (!in_ready_ || failed_ || closed_) return;
  for (const raft::Message& m : raft_->take_promise_free_messages())
    send_(m.to.hex(), raft::encode_message(m));
}

void RaftDriver::on_turn() {
  if (suspended_) return;
  process_ready();
  maybe_compact();
}

// As the standalone node does: a snapshot once the journal has grown
// enough, here at Raft's applied index (between Readies, where the State is
// exactly that far) and with the membership, so a restart needs nothing
// the compaction drops.
void RaftDriver::maybe_compact() {
  if (snapshot_in_flight_ || in_ready_ || failed_ || closed_) return;
  if (journal_.bytes_since_snapshot() < options_.snapshot_every_bytes) return;
  if (raft_->log().applied() <= raft_->log().snapshot_index()) return;
  raft_->compact(state_.encode_snapshot());
  const raft::Snapshot& snap = raft_->snapshot();
  snapshot_in_flight_ = true;
  log_.info("raft: writing a snapshot at index " + std::to_string(snap.meta.index) + " (" +
            std::to_string(snap.data.size()) + " bytes)");
  journal_.write_snapshot(Snapshot{snap.meta.index, snap.meta.term,
                                   raft::encode_stored_snapshot(snap.meta.conf, snap.data)},
                          [this](const Status& status) {
                            snapshot_in_flight_ = false;
                            if (!status.ok())
                              log_.error("raft: snapshot failed: " + status.message);
                          });
}

// A fresh node that the autopilot lets start a cluster writes the first
// entry of the log itself: "promote me", committed by fiat (it is the only
// member), so the membership survives restarts like any other change.
void RaftDriver::maybe_bootstrap(TimeMs now) {
  if (in_cluster()) {
    fresh_ = false;
    return;
  }
  raft::BootstrapInput in;
  in.self = self_;
  in.fresh = raft_->log().last_index() == initial_last_index_;
  in.heard_leader = heard_leader_;
  in.waited_ms = now - started_ms_;
  for (const DiscoveredPeer& peer : peers_()) {
    if (auto id = raft::NodeId::from_hex(peer.node_id)) in.peers.emplace_back(*id, peer.in_cluster);
  }
  if (!raft::should_bootstrap(in, options_.bootstrap)) return;
  if (in_ready_) return;  // next tick
  fresh_ = false;
  if (!append_by_fiat({raft::ConfChangeType::promote, self_}, now)) return;
  log_.info(std::string("raft: bootstrapping a one-voter cluster: ") +
            (in.peers.empty() ? "no peers found"
                              : "no peer is in a cluster and this node has the lowest id") +
            " after " + std::to_string(in.waited_ms) + " ms");
  raft_->campaign();
  note_role("bootstrap");
}

bool RaftDriver::append_by_fiat(const raft::ConfChange& change, TimeMs now) {
  LogEntry entry;
  entry.index = journal_.last_index() + 1;
  entry.term = std::max<std::uint64_t>({1, journal_.last_term(), raft_->term()});
  entry.timestamp = now;
  entry.kind = EntryKind::config_change;
  entry.op = raft::encode_conf_change(change);
  if (Status s = journal_.append(entry); !s.ok()) {
    log_.error("raft: cannot write the " + std::string(raft::to_string(change.type)) +
               " entry: " + s.message);
    return false;
  }
  journal_.flush();
  raft::RaftStorage storage;
  storage.snapshot = raft_->snapshot();
  const raft::ConfState snapshot_conf = storage.snapshot.meta.conf;
  for (std::uint64_t i = raft_->log().first_index(); i <= raft_->log().last_index(); ++i)
    storage.entries.push_back(raft_->log().at(i));
  storage.entries.push_back(entry);
  storage.snapshot.meta.conf = raft::conf_after(snapshot_conf, storage.entries);
  // The vote stands within its term: a node must not vote twice in one.
  const raft::NodeId vote = entry.term == raft_->term() ? raft_->vote() : raft::NodeId{};
  storage.hard_state = {entry.term, vote, entry.index};
  // The Raft rebuilt on this storage takes the entry as persisted and
  // committed. The journal writes in order, so the entry is durable before
  // the term and vote of the election that follows, and before any entry
  // after it; a crash before that leaves the node as it was.
  raft_ = std::make_unique<raft::Raft>(config_, std::move(storage));
  return true;
}

void RaftDriver::run_autopilot(TimeMs now) {
  raft::AutopilotInput in;
  in.self = self_;
  in.conf = raft_->conf();
  for (const DiscoveredPeer& peer : peers_()) {
    if (auto id = raft::NodeId::from_hex(peer.node_id)) in.discovered.insert(*id);
  }
  // A member this leader has not heard from yet (just added, or the leader
  // is new) gets the whole timeout from now.
  for (const raft::NodeId& id : in.conf.voters) last_heard_.try_emplace(id, now);
  for (const raft::NodeId& id : in.conf.learners) last_heard_.try_emplace(id, now);
  in.last_heard = last_heard_;
  for (const auto& [id, progress] : raft_->progress()) in.match[id] = progress.match();
  in.last_index = raft_->log().last_index();
  in.now = now;
  std::optional<raft::ConfChange> change = raft::next_conf_change(in, options_.autopilot);
  if (!change) return;
  Result<std::uint64_t> at = raft_->propose_conf_change(*change, now);
  if (!at.ok()) {
    if (at.status().code != ErrorCode::conflict) log_.debug("raft: " + at.status().message);
    return;
  }
  const std::string who = change->node.hex().substr(0, 8);
  std::string why;
  switch (change->type) {
    case raft::ConfChangeType::add_learner:
      why = "adding " + who + " as a learner (found by beacon)";
      break;
    case raft::ConfChangeType::promote:
      why = "promoting learner " + who + " to voter (keeping an odd number of voters)";
      break;
    case raft::ConfChangeType::remove:
      why = "removing " + who + " (silent for longer than " +
            std::to_string(options_.autopilot.voter_timeout_ms / 1000) + " s)";
      break;
    case raft::ConfChangeType::sole_voter:
      why = "making " + who + " the only voter";  // the autopilot never does
      break;
  }
  log_.info("raft: membership: " + why + " at index " + std::to_string(*at));
}

void RaftDriver::process_ready() {
  if (in_ready_ || failed_ || closed_ || suspended_ || !raft_->has_ready()) return;
  ready_ = raft_->ready();
  in_ready_ = true;
  waits_ = 1;  // held until every write is asked for
  if (ready_.snapshot) {
    const raft::Snapshot& snap = *ready_.snapshot;
    Result<State> restored = State::decode_snapshot(snap.data);
    if (!restored.ok()) {
      log_.error("raft: the leader's snapshot at index " + std::to_string(snap.meta.index) +
                 " does not decode: " + restored.status().message);
      failed_ = true;
      return;
    }
    state_ = std::move(*restored);
    log_.info("raft: installing the leader's snapshot at index " + std::to_string(snap.meta.index));
    ++waits_;
    journal_.install_snapshot(Snapshot{snap.meta.index, snap.meta.term,
                                       raft::encode_stored_snapshot(snap.meta.conf, snap.data)},
                              [this](const Status& status) {
                                if (!status.ok()) on_durable(status);
                                release_wait();
                              });
  }
  // A leader's appends and heartbeats promise nothing about its own disk
  // (it counts itself for commit only up to what it persisted), so they go
  // out now and the followers' writes overlap the leader's (the Raft
  // thesis, 10.2.1). Anything else waits: a vote must be on disk first.
  messages_sent_ = ready_.role == raft::Role::leader &&
                   (!ready_.hard_state || (ready_.hard_state->term == saved_term() &&
                                           ready_.hard_state->vote.hex() == saved_vote_hex()));
  if (messages_sent_) send_messages();
  persist_entries();
  if (ready_.hard_state) {
    HardState hs{ready_.hard_state->term,
                 ready_.hard_state->vote.empty() ? std::string() : ready_.hard_state->vote.hex()};
    if (!(hs == saved_hard_state_)) {
      saved_hard_state_ = hs;
      ++waits_;
      journal_.save_hard_state(hs, [this](const Status& status) {
        if (!status.ok()) on_durable(status);
        release_wait();
      });
    }
  }
  release_wait();
}

void RaftDriver::persist_entries() {
  if (ready_.entries.empty()) return;
  bool first = true;
  for (const LogEntry& e : ready_.entries) {
    Status s;
    if (first && e.index <= journal_.last_index()) {
      const std::uint64_t previous_term =
          e.index == 1 ? 0 : raft_->log().term_at(e.index - 1).value_or(0);
      s = journal_.append_replacing(e, previous_term);
    } else if (e.index <= journal_.last_index()) {
      continue;  // cannot happen: entries of one Ready follow each other
    } else {
      s = journal_.append(e);
    }
    first = false;
    if (!s.ok()) {
      log_.error("raft: the journal refused entry " + std::to_string(e.index) + ": " + s.message);
      failed_ = true;
      fail_pending("the journal failed: " + s.message);
      return;
    }
  }
  need_durable_ = ready_.entries.back().index;
  entries_waiting_ = true;
  ++waits_;
  journal_.flush();
  if (journal_.durable_index() >= need_durable_) on_durable(Status::success());
}

void RaftDriver::on_durable(const Status& status) {
  if (!status.ok()) {
    if (!failed_) {
      log_.error("raft: the journal failed (" + status.message +
                 "); this node stops taking part until it is restarted");
    }
    failed_ = true;
    fail_pending("the journal failed: " + status.message);
    return;
  }
  if (entries_waiting_ && journal_.durable_index() >= need_durable_) {
    entries_waiting_ = false;
    release_wait();
  }
}

void RaftDriver::release_wait() {
  if (--waits_ > 0 || !in_ready_) return;
  if (failed_ || closed_) {
    in_ready_ = false;
    return;
  }
  finish_ready();
}

void RaftDriver::finish_ready() {
  if (!messages_sent_) send_messages();
  for (const LogEntry& e : ready_.committed) apply(e);
  raft_->advance(ready_);
  in_ready_ = false;
  ready_ = {};
  note_role("commit");
  process_ready();
}

void RaftDriver::send_messages() {
  for (const raft::Message& m : ready_.messages) send_(m.to.hex(), raft::encode_message(m));
}

void RaftDriver::apply(const LogEntry& e) {
  auto pending = pending_.find(e.index);
  std::optional<Pending> mine;
  if (pending != pending_.end()) {
    mine = std::move(pending->second);
    pending_.erase(pending);
    if (mine->term != e.term) {
      if (mine->done)
        mine->done(Status::error(ErrorCode::unavailable,
                                 "leadership changed before the op was committed; it was not "
                                 "applied"),
                   {});
      mine.reset();
    }
  }
  if (e.kind == EntryKind::config_change) {
    Result<raft::ConfChange> change = raft::decode_conf_change(e.op);
    if (change.ok()) {
      const std::string line = "raft: membership change applied at index " +
                               std::to_string(e.index) + ": " + raft::to_string(change->type) +
                               " " + change->node.hex().substr(0, 8);
      // Entries applied again after a restart were logged when first applied.
      if (e.index <= initial_last_index_) {
        log_.debug(line);
      } else {
        log_.info(line);
      }
    }
    if (entry_hook_) entry_hook_(e);
    return;
  }
  if (e.index <= state_.applied_index()) return;  // in the snapshot already
  Op op;
  if (mine) {
    op = std::move(mine->op);
  } else {
    Result<Op> decoded = decode_op(e.op);
    if (!decoded.ok()) {
      log_.error("raft: committed entry " + std::to_string(e.index) +
                 " does not decode: " + decoded.status().message);
      failed_ = true;
      return;
    }
    op = std::move(*decoded);
  }
  ApplyResult result = state_.apply(op, ApplyContext{e.term, e.index, e.timestamp});
  if (std::holds_alternative<LeaderStartOp>(op) && !result.events.empty()) {
    log_.info("term " + std::to_string(e.term) +
              " starts: " + std::to_string(result.events.size()) +
              " jobs leased in older terms went back to their queues");
  }
  if (applied_hook_) applied_hook_(op, result);
  if (entry_hook_) entry_hook_(e);
  if (mine && mine->done) mine->done(Status::success(), result);
}

void RaftDriver::fail_pending(const std::string& why) {
  std::map<std::uint64_t, Pending> failed;
  failed.swap(pending_);
  for (auto& [index, p] : failed)
    if (p.done) p.done(Status::error(ErrorCode::unavailable, why), {});
}

void RaftDriver::note_role(const char* cause) {
  const raft::Role role = raft_->role();
  const std::uint64_t term = raft_->term();
  const raft::NodeId leader = raft_->leader();
  const char* membership = raft_->promotable()             ? "a voter"
                           : raft_->conf().contains(self_) ? "a learner"
                           : in_cluster()                  ? "not a member"
                                                           : "not in a cluster yet";
  if (membership != last_membership_) {
    if (in_cluster()) log_.info(std::string("raft: this node is now ") + membership);
    last_membership_ = membership;
  }
  const std::string paused_why = std::move(paused_why_);
  paused_why_.clear();
  if (role == last_role_ && term == last_term_ && leader == last_leader_) return;
  const raft::Role old_role = last_role_;
  const std::uint64_t old_term = last_term_;
  last_role_ = role;
  last_term_ = term;
  if (leader.empty() && !last_leader_.empty()) leaderless_since_ = clock_();
  last_leader_ = leader;
  log_.set_term(term);
  std::string why;
  switch (role) {
    case raft::Role::leader:
      why = "won the election in term " + std::to_string(term);
      for (const raft::NodeId& id : raft_->conf().voters) last_heard_[id] = clock_();
      for (const raft::NodeId& id : raft_->conf().learners) last_heard_[id] = clock_();
      break;
    case raft::Role::candidate:
      why = "a majority allowed an election (pre-vote); running in term " + std::to_string(term);
      break;
    case raft::Role::pre_candidate:
      why = "no leader heard for an election timeout; asking for pre-votes";
      break;
    case raft::Role::follower:
      if (!leader.empty()) {
        why = "following leader " + describe(leader.hex()) + " in term " + std::to_string(term);
      } else if (old_role == raft::Role::leader && term == old_term && !paused_why.empty()) {
        why = paused_why;
      } else if (old_role == raft::Role::leader && term == old_term) {
        why =
            "stepped down: no contact with a majority of voters for an election timeout, or "
            "no longer a voter";
      } else if (term > old_term) {
        why = "saw term " + std::to_string(term) + " (no leader known yet)";
      } else {
        why = "no leader known in term " + std::to_string(term);
      }
      break;
  }
  // Pre-vote rounds of a node that cannot reach a majority repeat every
  // election timeout: they are detail, not role changes worth a line each.
  const bool detail = role == raft::Role::pre_candidate ||
                      (role == raft::Role::follower && old_role == raft::Role::pre_candidate &&
                       leader.empty() && term == old_term);
  const std::string line = std::string("raft: ") + raft::to_string(role) + " (" + why + ")";
  if (detail) {
    log_.debug(line);
  } else {
    log_.info(line);
  }
  (void)cause;
  if (old_role == raft::Role::leader && role != raft::Role::leader) {
    // A leader hears every voter at each heartbeat: one it has not heard
    // for most of an election timeout is cut off (check-quorum's view).
    const TimeMs window = static_cast<TimeMs>((options_.election_ticks - 1) * options_.tick_ms);
    const std::string why = no_majority_reason(window);
    fail_pending(why.empty() ? "this node stopped leading before the op was committed; it may "
                               "still be applied by the next leader"
                             : why +
                                   ", so it stopped leading before the write was committed; the "
                                   "write was not acknowledged (a later leader may still apply "
                                   "it if the entry reached a majority)");
  }
  if (role_hook_) role_hook_(role, term);
}

}  // namespace desaster
