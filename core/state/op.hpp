// The op list: every change to scheduler state is one of these, proposed by
// the master, journaled, and applied in log order by State::apply on every
// node. Decisions only the master makes (leases, expiries, promotions,
// purges) are ops too, so followers never guess.
//
// Wire/disk form (op_codec.cpp): msgpack array [kOpFormatVersion, type, body...].
// Changing a struct below means changing its codec and bumping the version.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/model/cron_entry.hpp"
#include "core/model/job.hpp"
#include "core/model/pool_spec.hpp"
#include "core/model/queue.hpp"

namespace desaster {

inline constexpr std::uint32_t kOpFormatVersion = 1;

// Adds jobs; each gets state scheduled (run_at in the future) or queued.
// Per-job result: conflict when the unique key is held by a live job.
struct EnqueueOp {
  std::vector<Job> jobs;
};

struct LeaseGrant {
  JobId id = 0;
  std::uint32_t attempt = 0;  // must equal job.attempts + 1, else the grant is stale
  std::string node;
  std::string worker;
  TimeMs expires_at = 0;  // 0: no expiry
};

// Hands queued jobs to workers; the job becomes running with the op's term.
struct LeaseOp {
  std::vector<LeaseGrant> grants;
};

struct Completion {
  JobId id = 0;
  std::uint64_t term = 0;     // the lease's term and attempt: a report for an
  std::uint32_t attempt = 0;  // older lease counts as a duplicate run only
  Outcome outcome = Outcome::succeeded;
  std::int32_t exit_status = 0;
  std::string output_tail;
  std::string error;
  std::uint64_t cpu_ms = 0;
  std::uint64_t max_rss_kb = 0;
};

// Ends running attempts. A failed attempt with attempts left becomes failed
// with run_at = op time + backoff; without, dead.
struct CompleteOp {
  std::vector<Completion> completions;
};

// Gives running jobs back to their queue's head without blame (graceful
// shutdown, worker handed them back, the leader changed). With charge set, the
// attempt still counts (worker vanished mid-job): out of attempts means dead.
struct ReleaseOp {
  std::vector<JobId> ids;
  bool charge = false;
  std::string reason;
};

// scheduled/failed jobs whose run_at has come become queued.
struct PromoteOp {
  std::vector<JobId> ids;
};

// Operator: dead, failed, killed or succeeded jobs run again with a fresh
// attempt count; scheduled ones run now.
struct RetryOp {
  std::vector<JobId> ids;
};

// Operator: removes jobs in any state but running (a running job is killed first).
struct DeleteOp {
  std::vector<JobId> ids;
};

// Drops succeeded jobs that finished before their queue's retention ends
// (op time - retention_ms).
struct PurgeOp {};

struct QueueCreateOp {
  std::string name;
  QueueConfig config;
};
// Replaces a queue's settings (pause, resume, retry overrides); creates it if missing.
struct QueueConfigureOp {
  std::string name;
  QueueConfig config;
};
// Deletes the queue's queued, scheduled and failed (awaiting retry) jobs.
struct QueueClearOp {
  std::string name;
};
// Clears the queue and forgets it; refused while it has running jobs.
struct QueueDeleteOp {
  std::string name;
};

// First entry of every leader's term (Raft's no-op). Leases from earlier
// terms have no worker listening any more in a standalone node, so they are
// released without charge and the jobs run again.
struct LeaderStartOp {
  std::string node;
};

// Operator: declares a Ruby pool or replaces its declaration. The state
// sets spec.generation (1, or the old one + 1), so nodes running the pool
// restart it with the new settings.
struct PoolDeclareOp {
  PoolSpec spec;
};
// Operator: forgets a pool; the nodes running it stop it.
struct PoolRemoveOp {
  std::string name;
};
// Operator: bumps a pool's generation; its nodes reload the application and
// replace its workers one by one.
struct PoolReloadOp {
  std::string name;
};

// Job actions (operator). Each is atomic per job: every id gets its own
// Status, and a refused job is left exactly as it was. Final jobs
// (succeeded, dead, killed) are never changed by them.

// Stops jobs for good. Scheduled, queued and failed jobs become killed; a
// running one becomes killed at once: its lease is void, so a later report of
// it counts as a duplicate run only. The dispatcher that applies the op tells
// the worker holding the lease to stop the job ("cancel" push).
struct KillOp {
  std::vector<JobId> ids;
};

// Moves waiting (scheduled, queued, failed) jobs to another queue and/or pins
// them to a node. A running job is stopped as by KillOp, but goes back to the
// head of its (new) queue with its attempt not charged.
struct RelocateOp {
  std::vector<JobId> ids;
  std::string queue;     // empty: the job keeps its queue
  bool set_pin = false;  // pin_node replaces the job's pin ("" unpins)
  std::string pin_node;
};

// Changes the role of waiting (scheduled, queued, failed) jobs: what is set
// replaces the job's field, the rest stays.
struct ReroleOp {
  std::vector<JobId> ids;
  std::optional<std::string> job_class;
  std::optional<std::int32_t> priority;
  std::optional<std::string> flow;
  std::optional<std::string> queue;
};

// A scheduled job, or a failed one awaiting its retry, becomes due at run_at
// instead (a time already past makes it due at once).
struct RescheduleOp {
  std::vector<JobId> ids;
  TimeMs run_at = 0;
};

// Worker assignment (pool_assignment.hpp). A pool is "shell" (every node's
// shell pool) or a declared Ruby pool; node empty means every node.
// Operator: the pool serves queue with weight (replaces an earlier weight).
struct PoolAttachOp {
  std::string pool;
  std::string queue;  // a queue name, or "*" for every queue
  std::uint32_t weight = 1;
  std::string node;
};
// Operator: the pool no longer serves queue (at node, or cluster-wide).
struct PoolDetachOp {
  std::string pool;
  std::string queue;
  std::string node;
};
// Operator: a paused pool's workers get no new leases; running jobs finish.
// Resuming with an empty node resumes the pool everywhere.
struct PoolPauseOp {
  std::string pool;
  std::string node;
  bool paused = true;
};
// Operator: a draining node's workers get no new leases; running jobs finish.
struct NodeDrainOp {
  std::string node;
  bool draining = true;
};
// Operator: sets pin_node and pin_pool of jobs (both empty: unpinned).
struct PinOp {
  std::vector<JobId> ids;
  std::string node;
  std::string pool;
};

// Operator: forgets de-duplication blacklist entries: one identity of a
// queue, all of a queue's (identity empty) or every queue's (queue empty too).
// The rejection counters stay.
struct BlacklistClearOp {
  std::string queue;
  std::string identity;
};

// Cron (core/model/cron_entry.hpp). Operator: adds an entry; conflict when
// the name is taken. The client API checked its schedule and zone; apply
// sets created_at, and last_instant to the op's time (instants before the
// add are not the entry's).
struct CronAddOp {
  CronEntry entry;
};
// Operator: forgets an entry (its jobs stay).
struct CronRemoveOp {
  std::string name;
};
// Operator: a paused entry decides no instants; resuming does not fire the
// instants that passed meanwhile (last_instant moves to the op's time).
struct CronPauseOp {
  std::string name;
  bool paused = true;
};
// The leader decided one instant of an entry. fired and skipped_missed must
// be later than the entry's last_instant, else conflict: a fire replayed or
// proposed twice never makes a second job. fired and manual make job_id (the
// leader's id) as a copy of the entry's job, keyed cron_unique_key(name,
// instant), unless --overlap forbid finds the previous job live (then the
// run is recorded as skipped_overlap). manual does not move last_instant.
struct CronFireOp {
  std::string name;
  TimeMs instant = 0;
  CronRunKind kind = CronRunKind::fired;
  JobId job_id = 0;
};

using Op =
    std::variant<EnqueueOp, LeaseOp, CompleteOp, ReleaseOp, PromoteOp, RetryOp, DeleteOp, PurgeOp,
                 QueueCreateOp, QueueConfigureOp, QueueClearOp, QueueDeleteOp, LeaderStartOp,
                 PoolDeclareOp, PoolRemoveOp, PoolReloadOp, KillOp, RelocateOp, ReroleOp,
                 RescheduleOp, PoolAttachOp, PoolDetachOp, PoolPauseOp, NodeDrainOp, PinOp,
                 BlacklistClearOp, CronAddOp, CronRemoveOp, CronPauseOp, CronFireOp>;

}  // namespace desaster
