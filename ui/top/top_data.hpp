// What desaster-top shows, gathered once per refresh: the cluster from the
// "nodes" reply, each node's resources sample, counts per state and queue
// from the StateFeed replica, rates of the last seconds, the failed set
// grouped, and at most a screen's worth of jobs of the open jobs pane. It
// holds counts and the rows shown, never a copy of every job.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model/cron_entry.hpp"
#include "core/model/job.hpp"
#include "core/model/job_query.hpp"
#include "transport/protocol/replies.hpp"

namespace desaster {
class State;
}

namespace desaster::top {

inline constexpr std::size_t kJobStates = 7;

// Jobs processed and failed per second: counted from the ops the feed
// applies, closed into one-second buckets by tick().
class RateTracker {
 public:
  static constexpr std::size_t kHistorySeconds = 300;
  static constexpr std::size_t kQueueWindowSeconds = 5;

  // n attempts ended in `queue`: succeeded (processed) or not (failed).
  void count(const std::string& queue, bool succeeded, std::uint32_t n = 1);
  // Closes the buckets of every whole second up to now (ms); the first call
  // only starts the clock.
  void tick(std::int64_t now_ms);

  const std::deque<double>& processed_history() const { return processed_; }
  const std::deque<double>& failed_history() const { return failed_; }
  double processed_rate() const { return processed_.empty() ? 0 : processed_.back(); }
  double failed_rate() const { return failed_.empty() ? 0 : failed_.back(); }
  // A queue's mean over the last kQueueWindowSeconds closed seconds.
  double queue_processed_rate(const std::string& queue) const;
  double queue_failed_rate(const std::string& queue) const;

 private:
  struct QueueWindow {
    std::deque<std::uint32_t> processed, failed;  // one per closed second
    std::uint32_t open_processed = 0, open_failed = 0;
  };
  std::int64_t second_ = -1;  // the open second (now_ms / 1000)
  std::uint64_t open_processed_ = 0, open_failed_ = 0;
  std::deque<double> processed_, failed_;
  std::map<std::string, QueueWindow> queues_;
};

struct QueueStat {
  std::string name;
  std::uint64_t counts[kJobStates] = {};
  bool paused = false;
  std::string qdisc;
  double processed_rate = 0;
  double failed_rate = 0;
  TimeMs oldest_queued = 0;  // created_at of its oldest queued job; 0: none
};

// A row of the jobs pane.
struct JobRow {
  JobId id = 0;
  std::string queue;
  std::string job_class;
  JobState state = JobState::queued;
  std::uint32_t attempts = 0;
  TimeMs created_at = 0;
  TimeMs started_at = 0;
  std::optional<TimeMs> eta_start;
  std::string error;
};

// What the jobs pane lists: one queue, or one group of the failed set.
struct JobsScope {
  bool group = false;  // false: the queue `name`
  GroupBy by = GroupBy::queue;
  std::string name;  // the queue, or the group's key
  bool operator==(const JobsScope&) const = default;
};

struct FailedGroup {
  std::string key;
  std::uint64_t count = 0;
};

// A row of the cron pane: an entry and when it fires next.
struct CronRow {
  std::string name;
  std::string schedule;
  std::string zone;  // empty: UTC
  std::string queue;
  bool paused = false;
  std::optional<TimeMs> next;  // none while paused, or if it never fires again
  TimeMs last_run = 0;         // the instant of its newest run; 0: none yet
  std::string last_kind;       // that run's kind (fired, skipped_missed, ...)
  JobId last_job = 0;
};

// The row of an entry whose next instant is `next` (as the node says, or
// as cron_next() finds from the replica's entry).
CronRow cron_row(const CronEntry& entry, std::optional<TimeMs> next);
// The entry's next instant after those decided; none while paused, for a
// schedule that does not parse, or one that never fires again.
std::optional<TimeMs> cron_next(const CronEntry& entry);

// At most this many cron entries are listed (the rest are counted away).
inline constexpr std::size_t kMaxCronRows = 1000;

struct TopData {
  TimeMs now = 0;
  // Where top is connected, and what it said last about its connection
  // (a failover, a lost node); empty: nothing to say.
  std::string endpoint;
  std::string notice;
  // From "nodes" (empty until the first answer).
  std::string mode;
  std::vector<protocol::NodeSummary> nodes;
  // From the replica.
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::uint64_t counts[kJobStates] = {};
  std::vector<QueueStat> queues;
  std::vector<FailedGroup> failed;
  GroupBy failed_by = GroupBy::queue;
  std::optional<JobsScope> jobs_scope;
  std::vector<JobRow> jobs;
  std::uint64_t jobs_total = 0;
  // Cron entries, from the replica or the "cron" request.
  std::vector<CronRow> cron;
  // From "resources": the sample of each node that answered, the one top
  // is connected to first (the workers pane lists every node's workers).
  std::vector<protocol::ResourcesReply> resources;
  std::map<JobId, TimeMs> job_started;  // started_at of the workers' jobs
  // Rates.
  double processed_rate = 0;
  double failed_rate = 0;
  std::vector<double> processed_history;
  std::vector<double> failed_history;
};

// Fills the replica's part of data: index, term, counts, queues (with the
// rates of `rates`), the failed set grouped by data.failed_by, the workers'
// job start times, the cron entries, and up to `job_limit` jobs of
// data.jobs_scope.
void collect_from_state(const State& state, const RateTracker& rates, std::size_t job_limit,
                        TopData& data);

// The jobs of a scope (queue, or failed group) the replica holds, at most
// `limit`, by id: what the jobs pane lists and what a group action acts on.
std::vector<JobId> jobs_in_scope(const State& state, const JobsScope& scope, std::size_t limit);

}  // namespace desaster::top
