// The scheduler state machine. State changes only through apply(op); apply
// is deterministic (the same ops in the same order give the same state on
// every node) and does no I/O and reads no clock: time is the op's timestamp.
//
// Besides the jobs it keeps the indexes the master needs to decide its next
// ops (ready jobs per queue in dispatch order, scheduled jobs by run_at,
// leases by expiry, succeeded jobs by finish time) and answers the reads that
// clients make.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/model/job.hpp"
#include "core/model/job_query.hpp"
#include "core/model/queue.hpp"
#include "core/model/status.hpp"
#include "core/qdisc/eta.hpp"
#include "core/qdisc/qdisc.hpp"
#include "core/qdisc/service_times.hpp"
#include "core/state/blacklist.hpp"
#include "core/state/op.hpp"
#include "core/state/pool_assignment.hpp"

namespace desaster {

struct ApplyContext {
  std::uint64_t term = 0;
  std::uint64_t index = 0;
  TimeMs now = 0;  // the op's timestamp
};

// A job whose state changed, in the order the changes happened.
struct JobEvent {
  JobId id = 0;
  JobState state = JobState::queued;
  bool removed = false;  // deleted or purged: no longer in state
};

struct ApplyResult {
  // One per item of a batch op (jobs, grants, completions, ids), in order;
  // a single Status for ops that are not batches.
  std::vector<Status> statuses;
  std::vector<JobEvent> events;
};

// Per-state job counts; indexed by static_cast<size_t>(JobState).
struct StateCounts {
  std::uint64_t by_state[7] = {};
  std::uint64_t total() const;
};

struct QueueInfo {
  std::string name;
  QueueConfig config;
  StateCounts counts;
  bool explicit_create = false;  // made by queue create, not by first use
};

struct Totals {
  std::uint64_t enqueued = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed_attempts = 0;
  std::uint64_t dead = 0;
  std::uint64_t killed = 0;
  std::uint64_t duplicate_runs = 0;
  std::uint64_t purged = 0;
};

// A page of jobs: filters, one sort order, a cursor. The first four fields are
// the original id-ordered listing; the rest default to "match everything,
// ascending id", so a query that sets only those behaves as it always did.
struct ListQuery {
  std::string queue;              // empty: every queue
  std::optional<JobState> state;  // none: every state (see also states)
  JobId after = 0;                // id cursor for ascending id order: ids greater than this
  std::size_t limit = 100;

  std::vector<JobState> states{};  // any of these (together with state); empty: no filter
  // Case-insensitive substring of the id (16 hex digits), class, payload
  // bytes (a shell command's argv and script appear verbatim in them),
  // last_error or output_tail.
  std::string search{};
  std::string job_class{};  // exact; empty: any
  std::string node{};       // exact: the node of the current or last attempt
  std::string flow{};       // exact, against the effective flow (the class when unset)
  std::uint32_t attempts_min = 0;
  std::uint32_t attempts_max = std::numeric_limits<std::uint32_t>::max();
  TimeRange created{};
  TimeRange started{};
  TimeRange finished{};
  TimeRange run_at{};
  SortColumn sort = SortColumn::id;
  bool descending = false;
  // A ListPage::cursor of the same sort and direction (see list_query.hpp);
  // empty: the first page. Check it with check_list_query() first.
  std::string cursor{};
};

// One group of State::groups(): its key, how many jobs, and the newest of them.
struct JobGroup {
  std::string key;
  std::uint64_t count = 0;
  JobId example = 0;
};

struct ListPage {
  std::vector<const Job*> jobs;  // in the query's order
  JobId next = 0;  // ascending id order only: the next page's "after", 0 when this is the last
  std::uint64_t total = 0;  // jobs matching the filter
  // The next page's cursor (the last row's sort key and id, or where a
  // bounded scan stopped); empty when this is the last page.
  std::string cursor{};
  // False when total was extrapolated from a bounded count (filters that no
  // index answers, over very many jobs).
  bool total_exact = true;
};

class State {
 public:
  State();
  ~State();
  State(State&&) noexcept;
  State& operator=(State&&) noexcept;

  ApplyResult apply(const Op& op, const ApplyContext& ctx);

  std::uint64_t applied_index() const;
  std::uint64_t applied_term() const;

  // Reads.
  const Job* find(JobId id) const;
  std::vector<QueueInfo> queues() const;
  std::optional<QueueInfo> queue(const std::string& name) const;
  StateCounts counts() const;
  const Totals& totals() const;
  ListPage list(const ListQuery& query) const;
  JobId max_job_id() const;
  // Declared Ruby pools, by name.
  std::vector<PoolSpec> pools() const;
  const PoolSpec* pool(std::string_view name) const;
  // Jobs in `states` (empty: failed and dead) grouped by queue, class or
  // error signature, largest group first (job_groups.cpp).
  std::vector<JobGroup> groups(GroupBy by, const std::vector<JobState>& states) const;
  // Worker assignment (pool_assignment.hpp): the replicated part.
  const Assignments& assignments() const;
  // The queues a pool serves on a node: its attachments, else its default
  // (shell: every queue; a Ruby pool: its declared queues, or every queue).
  // None for a pool that is neither "shell" nor declared.
  std::optional<std::vector<PoolQueue>> pool_queues(std::string_view pool,
                                                    std::string_view node) const;

  // The master's inputs for its next ops.
  // Offers the queued jobs of an unpaused queue in the order its discipline
  // would dispatch them at `now` (Qdisc::visit_plan: each job taken counts
  // as dispatched for the rest of the walk) until visit says stop or no job
  // is eligible. Under the default discipline: higher priority first; within
  // a priority the jobs released back to the head, latest first, then FIFO
  // by id.
  void for_each_ready(const std::string& queue, TimeMs now,
                      const std::function<PlanStep(const Job&)>& visit) const;
  // Unpaused queues that have queued jobs, least recently leased from first
  // (then by name): serving them in this order lets no queue starve another.
  std::vector<std::string> ready_queues() const;
  std::vector<JobId> due_promotions(TimeMs now, std::size_t max) const;
  std::vector<JobId> expired_leases(TimeMs now, std::size_t max) const;
  std::vector<JobId> running_jobs() const;
  // Whether a PurgeOp at `now` would drop anything.
  bool purge_due(TimeMs now) const;
  // Earliest time at which one of the three above has work; none if idle.
  std::optional<TimeMs> next_deadline() const;
  // The same, and also when a shaped queue (htb) holding jobs back at `now`
  // may dispatch again, so the master wakes for it.
  std::optional<TimeMs> next_deadline(TimeMs now) const;

  // Queueing disciplines and the ETA.
  // The queue's discipline; null if there is no such queue.
  const Qdisc* qdisc(std::string_view queue) const;
  // Durations of finished attempts (succeeded or failed), per class.
  const ServiceTimes& service_times() const;
  // A queued or scheduled job's estimated start and finish at `now`, with
  // `workers` slots serving its queue; none for other states, or when
  // nothing can be said yet (no worker, no finished job to measure).
  std::optional<Eta> eta(JobId id, TimeMs now, std::uint32_t workers) const;

  // The de-duplication blacklist (state_reads_blacklist.cpp): for one queue
  // (every queue when empty) its window, rejections and at most `limit`
  // entries whose identity contains `search`. Queues with a window, entries
  // or rejections are listed.
  std::vector<QueueBlacklist> blacklist(std::string_view queue, std::string_view search,
                                        std::size_t limit) const;
  // Attempts completed per node, by node name: the load distribution.
  std::vector<std::pair<std::string, std::uint64_t>> jobs_run_by_node() const;

  // Cron entries (state_apply_cron.cpp), by name.
  std::vector<CronEntry> cron_entries() const;
  // Each entry without copying; f must not change the state.
  void visit_cron_entries(const std::function<void(const CronEntry&)>& f) const;
  const CronEntry* cron_entry(std::string_view name) const;

  // Snapshot: the whole state, versioned msgpack.
  std::string encode_snapshot() const;
  static Result<State> decode_snapshot(std::string_view bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace desaster
