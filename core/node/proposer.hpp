// The master's write path: an op becomes a log entry with (term, index,
// timestamp), is appended to the journal, and is applied to the state only
// once the journal says it is durable; then its callback runs with the apply
// result. A standalone node is a one-voter cluster: "durable on a majority"
// is "durable here". If the journal fails, the op is never applied and its
// callback gets the error, so no client is told OK for what is not on disk.
//
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>

#include "core/journal/journal.hpp"
#include "core/node/log.hpp"
#include "core/state/op.hpp"
#include "core/state/state.hpp"

namespace desaster {

class Proposer {
 public:
  // status is ok when the op was applied (result is then the apply result).
  using Done = std::function<void(const Status& status, const ApplyResult& result)>;
  // Runs after every applied op, before its Done: the hooks that keep the
  // dispatcher and waiters in step with the state.
  using AppliedHook = std::function<void(const Op& op, const ApplyResult& result)>;
  using Clock = std::function<TimeMs()>;

  Proposer(Journal& journal, State& state, Logger& log, Clock clock);

  void set_term(std::uint64_t term) { term_ = term; }
  std::uint64_t term() const { return term_; }
  void set_applied_hook(AppliedHook hook) { applied_hook_ = std::move(hook); }
  // Runs after every applied entry, with its log position, timestamp and op
  // bytes (the state feed publishes it), before the entry's Done.
  using EntryHook = std::function<void(const LogEntry& entry)>;
  void set_entry_hook(EntryHook hook) { entry_hook_ = std::move(hook); }

  // Appends the op; done runs once it is applied or has failed.
  void propose(Op op, Done done = {});
  // A clustered node's proposals go to its Raft instead (RaftDriver); the
  // journal is then Raft's, and this class only passes them on.
  using Forward = std::function<void(Op op, Done done)>;
  void set_forward(Forward forward) { forward_ = std::move(forward); }
  std::size_t in_flight() const { return pending_.size(); }

  // Whether the journal's flush may wait: every op appended since the last
  // flush is a LeaseOp, the first of them less than kLeaseFlushDelayMs ago.
  // A lease is pushed to its worker before it is durable anyway, and a crash
  // before its sync leaves the job queued to run again (at least once), so
  // its own sync buys nothing; waiting lets it share the sync of what comes
  // next, typically the worker's report: a round trip then waits for two
  // syncs (enqueue, report), not three. Anything else appended flushes at
  // once, with the leases before it.
  static constexpr TimeMs kLeaseFlushDelayMs = 2;
  bool may_defer_flush(TimeMs now) const;
  // When a deferred flush is due (valid while may_defer_flush()).
  TimeMs deferred_flush_due() const { return unflushed_since_ + kLeaseFlushDelayMs; }
  // The node flushed the journal: what was appended is on its way.
  void flushed() {
    unflushed_ = false;
    unflushed_urgent_ = false;
  }

  // Replays recovered entries into the state (at start-up, before any propose).
  Status replay(const std::vector<LogEntry>& entries);

 private:
  struct Pending {
    std::uint64_t index;
    TimeMs timestamp;
    Op op;
    Done done;
    std::string bytes;  // the op as journaled; kept only for the entry hook
  };

  void on_durable(const Status& status, std::uint64_t last_index, std::uint64_t first_failed);

  Journal& journal_;
  State& state_;
  Logger& log_;
  Clock clock_;
  std::uint64_t term_ = 1;
  TimeMs last_timestamp_ = 0;
  std::deque<Pending> pending_;
  bool unflushed_ = false;         // appended since the last flushed()
  bool unflushed_urgent_ = false;  // ... and not only leases
  TimeMs unflushed_since_ = 0;
  AppliedHook applied_hook_;
  EntryHook entry_hook_;
  Forward forward_;
};

}  // namespace desaster
