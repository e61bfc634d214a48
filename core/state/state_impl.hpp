// Internal to core/state: the data behind State and the indexes kept beside
// the jobs. Every index is derived from the jobs alone (plus each queued
// job's head rank), so a snapshot holds only queues and jobs and rebuilds
// the rest, and one rule keeps them right: a job leaves every index
// (detach) before any field an index keys on changes, and enters them again
// (attach) afterwards. Jobs sit in map nodes that never move, which lets the
// unique-key index hold views into the jobs' own strings.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/qdisc/chunked_set.hpp"
#include "core/qdisc/qdisc.hpp"
#include "core/qdisc/service_times.hpp"
#include "core/state/blacklist.hpp"
#include "core/state/pool_assignment.hpp"
#include "core/state/query_index.hpp"
#include "core/state/state.hpp"

namespace desaster {
namespace state_detail {

inline constexpr std::size_t kJobStates = 7;
inline constexpr std::size_t kMaxHistory = 20;

using TimeKey = std::pair<TimeMs, JobId>;

struct QueueEntry {
  QueueConfig config;
  bool explicit_create = false;
  // The applied index of the last lease op that granted one of its jobs;
  // the planner serves the least recently served queue first.
  std::uint64_t last_leased = 0;

  // Its queued jobs, in the order of its discipline (config.qdisc); never
  // null once the queue exists (StateData::queue_for, set_qdisc).
  std::unique_ptr<Qdisc> qdisc;
  std::array<ChunkedSet<JobId>, kJobStates> by_state;  // for list() and counts
  std::set<TimeKey> succeeded;                         // by finished_at, for purge
  std::array<QueryIndex, kJobStates> query;            // for list() queries, by state

  StateCounts counts() const;
};

struct JobSlot {
  Job job;
  QueueEntry* queue = nullptr;  // the entry of job.queue; queues outlive their jobs
  // Nonzero while queued after a release to the head: such jobs go before
  // the others of their priority (or flow, or class), the latest first.
  std::uint64_t head_rank = 0;
};

// The data behind State; free helpers take it directly (State::Impl is
// private to State).
struct StateData {
  std::map<JobId, JobSlot> jobs;
  std::map<std::string, QueueEntry, std::less<>> queues;
  std::map<std::string, PoolSpec, std::less<>> pools;  // Ruby pools by name
  Assignments assignments;                             // pool queues, paused pools, draining nodes

  std::set<TimeKey> due;     // scheduled and failed jobs by run_at
  std::set<TimeKey> leases;  // running jobs with an expiry, by lease_expires_at
  std::unordered_map<std::string_view, JobId> unique;  // keys of live jobs

  Totals totals;
  ServiceTimes service_times;      // fed by completions, read by the ETA
  std::uint64_t head_counter = 0;  // the last head rank handed out
  std::uint64_t applied_index = 0;
  std::uint64_t applied_term = 0;
  JobId max_job_id = 0;  // the largest id ever enqueued, deleted or not

  // Timed de-duplication (blacklist.hpp) and the load distribution: attempts
  // completed per node (the lease's node), counted as CompleteOp applies.
  Blacklists blacklists;
  std::map<std::string, std::uint64_t, std::less<>> jobs_run_by_node;
  std::map<std::string, CronEntry, std::less<>> cron;  // by name

  JobSlot* find(JobId id);
  const JobSlot* find(JobId id) const;
  QueueEntry* find_queue(std::string_view name);
  const QueueEntry* find_queue(std::string_view name) const;
  // Creates the queue on first use, with the default discipline.
  QueueEntry& queue_for(const std::string& name);
  // Gives the queue the discipline `config` describes, moving its queued
  // jobs over (switch_qdisc: none is lost, accounting starts afresh).
  // bad_request, and nothing changed, for a configuration validate() refuses.
  Status set_qdisc(const std::string& name, QueueEntry& queue, const QdiscConfig& config);

  // The live job holding `key`, if any.
  const JobSlot* unique_holder(std::string_view key) const;

  // Takes the job into state and every index; the queue must exist.
  JobSlot& insert(Job job, std::uint64_t head_rank);
  void erase(JobSlot& slot);

  void attach(JobSlot& slot);
  void detach(JobSlot& slot);
  // detach, change, attach: the only way a stored job changes.
  template <typename Change>
  void update(JobSlot& slot, Change&& change) {
    detach(slot);
    change(slot);
    attach(slot);
  }
};

}  // namespace state_detail

struct State::Impl : state_detail::StateData {};

namespace state_detail {

// What a queued job's discipline holds of it.
QdiscEntry qdisc_entry(const JobSlot& slot);

// finished_at + retention, or none when that lies beyond the end of time.
std::optional<TimeMs> purge_time(TimeMs finished_at, std::uint64_t retention_ms);

}  // namespace state_detail
}  // namespace desaster
