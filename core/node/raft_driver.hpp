// A clustered node's Raft: owns raft::Raft, ticks it from a uv timer, feeds
// it the peers' messages and the leader's proposals, and runs the Ready loop
// the way tests/sim/raft_sim.cpp does:
//
//   1. install a received snapshot (State + journal install_snapshot);
//   2. persist entries (journal append, append_replacing for a follower's
//      conflicting tail) and term/vote (save_hard_state), then wait until
//      the journal says they are durable;
//   3. send the messages (they may promise what was just persisted; a
//      leader's appends and heartbeats promise nothing and go out first);
//   4. apply committed entries to the State through the same applied hook
//      the Proposer uses (dispatcher, waiters, pools), then answer the
//      proposals among them;
//   5. advance.
//
// One Ready is in flight at a time; proposals made meanwhile gather in the
// Raft log and go out together in the next one, so a busy leader writes many
// client ops per fsync. A proposal is answered when its entry is applied
// (committed on a majority of voters, then applied here); proposals still
// open when the node stops leading are failed as unavailable (they may yet
// commit under the next leader: the message says so).
//
// Membership is the autopilot's (core/cluster/autopilot.hpp): bootstrap of a
// fresh node, learners for new peers, promotions, replacement of lost
// voters. Role changes are logged once each, with the reason.
//
// Threading: loop thread only. close() before destroying.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uv.h>

#include "core/cluster/autopilot.hpp"
#include "core/cluster/raft.hpp"
#include "core/journal/journal.hpp"
#include "core/node/discovery.hpp"
#include "core/node/log.hpp"
#include "core/node/proposer.hpp"
#include "core/state/state.hpp"

namespace desaster {

struct RaftDriverOptions {
  std::string node_id;  // 32 hex digits
  // A follower campaigns after [election_ticks, 2 * election_ticks) ticks
  // without a leader: 300-600 ms, randomized in 12 steps of 25 ms, so two
  // followers of a dead leader rarely campaign within one round trip of
  // each other (a split vote costs another timeout). The leader heartbeats
  // every 50 ms: six heartbeats fit in the shortest timeout, so a loaded
  // node (a sanitizer build, 2 busy cores) that is late with a few is not
  // deposed, and check-quorum looks at the same 300 ms window. A kill -9 of
  // the leader costs one timeout plus the pre-vote and vote round trips.
  std::uint64_t tick_ms = 25;
  int election_ticks = 12;
  int heartbeat_ticks = 2;
  int snapshot_retry_ticks = 40;  // 1 s: a big snapshot takes a while to install
  raft::AutopilotConfig autopilot;
  raft::BootstrapConfig bootstrap;
  std::uint64_t snapshot_every_bytes = 256ull << 20;  // of journal since the last snapshot
};

// What `desasterctl nodes` shows of a member, as this node knows it.
struct MemberStatus {
  std::string node_id;
  std::string role;         // leader, voter, learner
  std::uint64_t match = 0;  // the leader's view; 0 elsewhere
  bool known_match = false;
};

class RaftDriver {
 public:
  using Clock = std::function<TimeMs()>;
  // Sends one encoded Raft message to a peer; false when it could not go.
  using Send = std::function<bool(const std::string& node_id, std::string_view message)>;
  using PeerList = std::function<std::vector<DiscoveredPeer>()>;
  using RoleHook = std::function<void(raft::Role role, std::uint64_t term)>;

  RaftDriver(uv_loop_t* loop, Journal& journal, State& state, Logger& log, Clock clock,
             RaftDriverOptions options, const Recovery& recovery, Send send, PeerList peers);
  ~RaftDriver();
  RaftDriver(const RaftDriver&) = delete;
  RaftDriver& operator=(const RaftDriver&) = delete;

  void set_applied_hook(Proposer::AppliedHook hook) { applied_hook_ = std::move(hook); }
  // Every committed entry this node applies, config changes included.
  void set_entry_hook(Proposer::EntryHook hook) { entry_hook_ = std::move(hook); }
  void set_role_hook(RoleHook hook) { role_hook_ = std::move(hook); }

  void start();
  void close();

  // The leader proposes; elsewhere done gets unavailable naming the leader.
  void propose(Op op, Proposer::Done done);
  // An encoded Raft message from a peer.
  void on_message(std::string_view bytes);
  // Once per loop turn: handles the next Ready unless one is in flight.
  void on_turn();

  bool leading() const { return raft_->role() == raft::Role::leader; }
  raft::Role role() const { return raft_->role(); }
  std::uint64_t term() const { return raft_->term(); }
  std::string leader() const;  // hex, empty when unknown
  std::uint64_t commit() const { return raft_->log().committed(); }
  std::uint64_t last_index() const { return raft_->log().last_index(); }
  // A member of a cluster (or one that was): its beacons say so.
  bool in_cluster() const;
  std::vector<MemberStatus> members() const;
  std::size_t in_flight() const { return pending_.size(); }
  // Every proposal of this node up to `index` is answered (applied or failed).
  bool answered_through(std::uint64_t index) const {
    return pending_.empty() || pending_.begin()->first > index;
  }
  // A hot upgrade's old process, from its pause on: Raft neither ticks,
  // takes messages (dropped, as a lossy network would) nor starts a Ready,
  // so nothing more is written once the one in flight is durable. resume()
  // after a rollback: a follower that missed some messages.
  void suspend() { suspended_ = true; }
  void resume() { suspended_ = false; }
  // A Ready or a snapshot is still being written.
  bool writing() const { return in_ready_ || snapshot_in_flight_; }
  // Leader only: hands leadership to the voter `node` names (32 hex digits
  // or a unique prefix of 4+), or to the most up-to-date voter when empty
  // (raft_transfer.cpp). Returns the target's id (this node's own when it
  // is the target: nothing to do). Proposals are refused while it runs.
  Result<std::string> transfer_leadership(const std::string& node);
  // The voter leadership is being handed to (hex), or empty.
  std::string transferee() const;
  std::string self_hex() const { return self_.hex(); }
  // For the refusal of writes: "... the leader is X at ADDR".
  std::string not_leader_message() const;

  // Force-recovery (raft_force_recovery.cpp): an operator who accepts the
  // risk makes this node the only voter, keeping its log. Refused while it
  // knows a leader, reaches a majority of the voters, is not in a cluster,
  // or has a write in flight (unavailable: try again).
  struct ForcedRecovery {
    std::uint64_t term = 0;
    std::uint64_t index = 0;
    std::vector<std::string> dropped;  // former members, hex
  };
  Result<ForcedRecovery> force_recovery(bool accept_risk);

 private:
  struct Pending {
    std::uint64_t term;
    Op op;
    Proposer::Done done;
  };

  void on_tick();
  // A leader whose clock jumped by an election timeout or more since the
  // last tick was paused (SIGSTOP, a frozen VM) and may have been replaced:
  // it steps down before it decides anything in its old term. True if so.
  bool step_down_if_paused(TimeMs now);
  bool paused_for_election_timeout(TimeMs now) const;
  void maybe_compact();
  void process_ready();
  void persist_entries();
  void release_wait();
  void finish_ready();
  void send_messages();
  // Heartbeats and a leader's appends go out even while a Ready waits for
  // a slow sync (Raft::take_promise_free_messages).
  void send_promise_free();
  std::uint64_t saved_term() const { return saved_hard_state_.term; }
  std::string saved_vote_hex() const {
    return saved_hard_state_.vote.empty() ? raft::NodeId{}.hex() : saved_hard_state_.vote;
  }
  void apply(const LogEntry& entry);
  void note_role(const char* cause);
  void fail_pending(const std::string& why);
  void maybe_bootstrap(TimeMs now);
  // Appends a config entry this node commits by fiat (it is the only voter
  // after it) and rebuilds Raft on the log with it: bootstrap and
  // force-recovery. False (logged) when the journal refuses it.
  bool append_by_fiat(const raft::ConfChange& change, TimeMs now);
  void run_autopilot(TimeMs now);
  void on_durable(const Status& status);
  std::string describe(const std::string& node_id) const;
  // Why a write cannot commit here when this node cannot reach a majority
  // of the voters (heard within `window`), or empty.
  std::string no_majority_reason(TimeMs window) const;

  uv_loop_t* loop_;
  Journal& journal_;
  State& state_;
  Logger& log_;
  Clock clock_;
  RaftDriverOptions options_;
  Send send_;
  PeerList peers_;
  raft::NodeId self_;
  raft::RaftConfig config_;
  std::unique_ptr<raft::Raft> raft_;
  Proposer::AppliedHook applied_hook_;
  Proposer::EntryHook entry_hook_;
  RoleHook role_hook_;

  uv_timer_t* timer_ = nullptr;  // freed in its close callback
  TimeMs started_ms_ = 0;
  TimeMs leaderless_since_ = 0;  // when this node last stopped knowing a leader
  TimeMs last_now_ = 0;
  TimeMs last_tick_ = 0;    // when on_tick last ran (0: not yet)
  std::string paused_why_;  // the reason of a step-down after a pause, for its log line
  bool fresh_ = false;
  bool heard_leader_ = false;
  std::uint64_t initial_last_index_ = 0;

  // The Ready in flight.
  bool in_ready_ = false;
  raft::Ready ready_;
  int waits_ = 0;
  bool entries_waiting_ = false;
  bool messages_sent_ = false;  // before persisting (a leader's appends)
  std::uint64_t need_durable_ = 0;
  HardState saved_hard_state_;
  bool failed_ = false;
  bool closed_ = false;
  bool suspended_ = false;
  bool snapshot_in_flight_ = false;

  std::map<std::uint64_t, Pending> pending_;  // by index
  std::map<raft::NodeId, TimeMs> last_heard_;
  raft::Role last_role_ = raft::Role::follower;
  std::uint64_t last_term_ = 0;
  raft::NodeId last_leader_;
  const char* last_membership_ = "";
};

}  // namespace desaster
