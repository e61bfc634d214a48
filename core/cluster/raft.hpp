// Raft as a pure, deterministic state machine, in the manner of etcd's raft
// library. Inputs: step(message), tick(), propose(ops), propose_conf_change,
// campaign(), compact(). Output: a Ready, which the caller handles in order
//
//   1. snapshot: install it in the state machine and persist it (this drops
//      every persisted entry);
//   2. entries: persist them, replacing any persisted entry at or after the
//      first one's index; hard_state: persist it;
//   3. messages: send them (only now: they may promise what was persisted);
//   4. committed: apply them in order (config changes are Raft's own: skip);
//
// then calls advance(ready). No sockets, files, clock or randomness inside:
// time enters as the `now` stamped on proposals, and the election timeout's
// jitter comes from a PRNG seeded by the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/cluster/node_id.hpp"
#include "core/cluster/progress.hpp"
#include "core/cluster/raft_log.hpp"
#include "core/cluster/raft_message.hpp"
#include "core/cluster/raft_types.hpp"
#include "core/cluster/split_mix.hpp"
#include "core/model/job.hpp"
#include "core/model/status.hpp"

namespace desaster::raft {

struct RaftConfig {
  NodeId id;
  int election_ticks = 10;  // a follower campaigns after [n, 2n) ticks without a leader
  int heartbeat_ticks = 1;
  // A snapshot sent without an answer for this many ticks is sent again
  // (0: election_ticks). A big one takes the follower a while to install,
  // so a node with short ticks sets it apart from the election timeout.
  int snapshot_retry_ticks = 0;
  std::size_t max_inflight = 64;            // unacknowledged appends per member
  std::size_t max_append_bytes = 1u << 20;  // op bytes per append message
  bool pre_vote = true;
  bool check_quorum = true;
  std::uint64_t seed = 1;
  // The op of the entry every new leader appends first (the Raft no-op; for
  // desaster an encoded LeaderStartOp). Empty ops are fine for tests.
  std::string term_start_op;
};

enum class Role : std::uint8_t { follower, pre_candidate, candidate, leader };
const char* to_string(Role role);

struct Ready {
  Role role = Role::follower;
  NodeId leader;
  std::optional<HardState> hard_state;  // set when it changed
  std::optional<Snapshot> snapshot;     // received from the leader: install
  std::vector<LogEntry> entries;        // to persist
  std::vector<LogEntry> committed;      // to apply, in index order
  std::vector<Message> messages;        // to send after persisting
};

class Raft {
 public:
  Raft(RaftConfig config, RaftStorage storage);

  // now: the caller's clock, kept only to stamp the entry a new leader
  // appends first (proposals carry their own).
  void tick(TimeMs now = 0);
  // A malformed message (entries that do not follow its index, terms above
  // the message's) is refused with bad_request and changes nothing.
  Status step(const Message& message);
  // Leader only: appends the ops as entries stamped with now. Returns the
  // index of the last one; unavailable (naming the leader if known) elsewhere.
  Result<std::uint64_t> propose(const std::vector<std::string>& ops, TimeMs now);
  Result<std::uint64_t> propose_conf_change(const ConfChange& change, TimeMs now);
  // Leader only: hands leadership to target (a voter), or to the most
  // up-to-date voter when target is empty. Proposals are refused
  // (unavailable) until the target is elected or, after an election
  // timeout, the transfer is abandoned. Errors: unavailable when not the
  // leader, bad_request for a target that is not a voter or no other voter.
  Status transfer_leadership(const NodeId& target);
  // The voter leadership is being handed to, or empty.
  const NodeId& transferee() const { return transferee_; }
  // Starts an election now (pre-vote first if configured), as if the
  // election timeout had passed: a standalone node need not wait for it.
  void campaign();
  // The caller was paused for at least an election timeout (its clock says
  // so; ticks cannot, as a paused timer does not catch up): another voter
  // may lead a newer term by now. A leader becomes a follower of its term
  // knowing no leader, so it decides nothing until the cluster tells it who
  // leads (or elects it again). A lone voter keeps leading: nobody else can.
  // Returns whether it stepped down.
  bool step_down_after_pause();
  // The application snapshotted its state at applied(): entries up to there
  // are dropped, and the snapshot is what lagging members will be sent.
  void compact(std::string snapshot_data);

  bool has_ready() const;
  Ready ready();
  // The waiting messages that promise nothing about this node's disk, taken
  // out of the next Ready so the caller may send them while an earlier
  // Ready still waits for its writes: heartbeat answers, and a leader's
  // appends, heartbeats and snapshots of its term (it counts itself for
  // commit only up to what it persisted). A slow sync then delays no
  // heartbeat, so it does not look like a dead leader or a lost majority.
  std::vector<Message> take_promise_free_messages();
  void advance(const Ready& ready);

  const NodeId& id() const { return config_.id; }
  Role role() const { return role_; }
  std::uint64_t term() const { return term_; }
  const NodeId& leader() const { return leader_; }
  const NodeId& vote() const { return vote_; }
  const ConfState& conf() const { return conf_; }
  const RaftLog& log() const { return log_; }
  HardState hard_state() const { return {term_, vote_, log_.committed()}; }
  const Snapshot& snapshot() const { return snapshot_; }
  const std::map<NodeId, Progress>& progress() const { return progress_; }
  // A voter that may campaign (learners and removed nodes may not).
  bool promotable() const { return conf_.voters.count(config_.id) > 0; }

 private:
  // raft_election.cpp
  void become_follower(std::uint64_t term, const NodeId& leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void reset(std::uint64_t term);
  void start_election(bool pre, bool transfer = false);
  void handle_vote_request(const Message& m);
  void handle_vote_response(const Message& m);
  void tick_election();
  void tick_heartbeat();
  bool quorum_active() const;
  std::size_t quorum() const { return conf_.voters.size() / 2 + 1; }

  // raft_replication.cpp
  bool send_append(const NodeId& to, bool send_if_empty);
  void broadcast_append();
  void broadcast_heartbeat();
  void handle_append(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_snapshot(const Message& m);
  void handle_append_response(const Message& m);
  void handle_heartbeat_response(const Message& m);
  bool maybe_commit();
  void append_as_leader(std::vector<LogEntry> entries);

  // raft_transfer.cpp
  NodeId most_up_to_date_voter() const;
  void maybe_send_timeout_now(const NodeId& from);
  void abort_transfer();
  void tick_transfer();
  void handle_timeout_now(const Message& m);

  // raft_membership.cpp
  void apply_conf_change(const ConfChange& change);
  void reset_progress();
  Status check_conf_change(const ConfChange& change) const;

  Status check_message(const Message& m) const;
  Status transfer_refusal() const;
  void step_by_role(const Message& m);
  void send(Message m);
  std::uint64_t match_of(const NodeId& id) const;

  RaftConfig config_;
  SplitMix rng_;
  Role role_ = Role::follower;
  std::uint64_t term_ = 0;
  NodeId vote_;
  NodeId leader_;
  RaftLog log_;
  ConfState conf_;
  Snapshot snapshot_;  // the latest, for members too far behind
  std::optional<Snapshot> received_snapshot_;
  std::map<NodeId, Progress> progress_;  // leader: every member but itself
  std::map<NodeId, bool> votes_;
  std::uint64_t pending_conf_index_ = 0;
  std::uint64_t conf_index_ = 0;  // the index conf_ is as of (an entry or a snapshot)
  TimeMs last_now_ = 0;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_ticks_ = 0;
  NodeId transferee_;  // leader: the voter leadership goes to (empty: none)
  int transfer_elapsed_ = 0;
  std::vector<Message> outbox_;
  HardState last_hard_state_;
};

}  // namespace desaster::raft
