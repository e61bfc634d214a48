// Gathering what desaster-top shows (top_data.hpp).
#include "ui/top/top_data.hpp"

#include <algorithm>

#include "core/cron/schedule.hpp"
#include "core/state/job_groups.hpp"
#include "core/state/state.hpp"

namespace desaster::top {

namespace {

// A group by error signature has no index: its jobs are found by scanning
// the failed set, at most this many jobs per refresh.
constexpr std::size_t kErrorScanLimit = 20'000;

template <typename T>
void push_bounded(std::deque<T>& values, T value, std::size_t bound) {
  values.push_back(value);
  while (values.size() > bound) values.pop_front();
}

double window_mean(const std::deque<std::uint32_t>& values) {
  if (values.empty()) return 0;
  double sum = 0;
  for (std::uint32_t v : values) sum += v;
  return sum / static_cast<double>(RateTracker::kQueueWindowSeconds);
}

std::vector<const Job*> scope_jobs(const State& state, const JobsScope& scope, std::size_t limit) {
  ListQuery q;
  q.limit = limit;
  if (!scope.group) {
    q.queue = scope.name;
    return state.list(q).jobs;
  }
  q.states = {JobState::failed, JobState::dead};
  switch (scope.by) {
    case GroupBy::queue:
      q.queue = scope.name;
      return state.list(q).jobs;
    case GroupBy::job_class:
      q.job_class = scope.name;
      return state.list(q).jobs;
    case GroupBy::error:
      break;
  }
  q.limit = kErrorScanLimit;
  std::vector<const Job*> out;
  for (const Job* job : state.list(q).jobs) {
    if (out.size() >= limit) break;
    if (error_signature(job->last_error) == scope.name) out.push_back(job);
  }
  return out;
}

}  // namespace

void RateTracker::count(const std::string& queue, bool succeeded, std::uint32_t n) {
  QueueWindow& w = queues_[queue];
  if (succeeded) {
    open_processed_ += n;
    w.open_processed += n;
  } else {
    open_failed_ += n;
    w.open_failed += n;
  }
}

void RateTracker::tick(std::int64_t now_ms) {
  const std::int64_t second = now_ms / 1000;
  if (second_ < 0) {
    second_ = second;
    return;
  }
  // A long pause (or a clock step) closes at most a history's worth.
  std::int64_t closing = std::min<std::int64_t>(second - second_, kHistorySeconds);
  for (std::int64_t i = 0; i < closing; ++i) {
    push_bounded(processed_, static_cast<double>(open_processed_), kHistorySeconds);
    push_bounded(failed_, static_cast<double>(open_failed_), kHistorySeconds);
    open_processed_ = open_failed_ = 0;
    for (auto it = queues_.begin(); it != queues_.end();) {
      QueueWindow& w = it->second;
      push_bounded(w.processed, w.open_processed, kQueueWindowSeconds);
      push_bounded(w.failed, w.open_failed, kQueueWindowSeconds);
      w.open_processed = w.open_failed = 0;
      // A queue quiet for the whole window is forgotten, so deleted
      // queues do not accumulate.
      bool quiet =
          std::all_of(w.processed.begin(), w.processed.end(),
                      [](std::uint32_t v) { return v == 0; }) &&
          std::all_of(w.failed.begin(), w.failed.end(), [](std::uint32_t v) { return v == 0; });
      if (quiet && w.processed.size() >= kQueueWindowSeconds) {
        it = queues_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (second > second_) second_ = second;
}

double RateTracker::queue_processed_rate(const std::string& queue) const {
  auto it = queues_.find(queue);
  return it == queues_.end() ? 0 : window_mean(it->second.processed);
}

double RateTracker::queue_failed_rate(const std::string& queue) const {
  auto it = queues_.find(queue);
  return it == queues_.end() ? 0 : window_mean(it->second.failed);
}

void collect_from_state(const State& state, const RateTracker& rates, std::size_t job_limit,
                        TopData& data) {
  data.index = state.applied_index();
  data.term = state.applied_term();
  const StateCounts counts = state.counts();
  std::copy(std::begin(counts.by_state), std::end(counts.by_state), data.counts);
  data.processed_rate = rates.processed_rate();
  data.failed_rate = rates.failed_rate();
  data.processed_history.assign(rates.processed_history().begin(), rates.processed_history().end());
  data.failed_history.assign(rates.failed_history().begin(), rates.failed_history().end());

  data.queues.clear();
  for (const QueueInfo& info : state.queues()) {
    QueueStat q;
    q.name = info.name;
    std::copy(std::begin(info.counts.by_state), std::end(info.counts.by_state), q.counts);
    q.paused = info.config.paused;
    q.qdisc = to_string(info.config.qdisc.kind);
    q.processed_rate = rates.queue_processed_rate(info.name);
    q.failed_rate = rates.queue_failed_rate(info.name);
    if (q.counts[static_cast<std::size_t>(JobState::queued)] > 0) {
      // Ids grow with time, so the smallest queued id is the oldest job.
      ListQuery oldest;
      oldest.queue = info.name;
      oldest.state = JobState::queued;
      oldest.limit = 1;
      ListPage page = state.list(oldest);
      if (!page.jobs.empty()) q.oldest_queued = page.jobs.front()->created_at;
    }
    data.queues.push_back(std::move(q));
  }

  data.failed.clear();
  for (const JobGroup& g : state.groups(data.failed_by, {})) {
    data.failed.push_back({g.key, g.count});
  }

  data.job_started.clear();
  for (const protocol::ResourcesReply& node : data.resources) {
    for (const protocol::WorkerResources& w : node.workers) {
      if (w.job == 0) continue;
      if (const Job* job = state.find(w.job)) data.job_started[w.job] = job->started_at;
    }
  }

  data.cron.clear();
  for (const CronEntry& entry : state.cron_entries()) {
    if (data.cron.size() >= kMaxCronRows) break;
    data.cron.push_back(cron_row(entry, cron_next(entry)));
  }

  data.jobs.clear();
  data.jobs_total = 0;
  if (data.jobs_scope) {
    std::vector<const Job*> jobs = scope_jobs(state, *data.jobs_scope, job_limit);
    for (const Job* job : jobs) {
      JobRow row;
      row.id = job->id;
      row.queue = job->queue;
      row.job_class = job->job_class;
      row.state = job->state;
      row.attempts = job->attempts;
      row.created_at = job->created_at;
      row.started_at = job->started_at;
      row.error = job->last_error;
      if (job->state == JobState::queued || job->state == JobState::scheduled) {
        // The replica does not know the slots serving the queue; its
        // running jobs are the best lower bound it has.
        std::uint32_t workers = 1;
        if (auto info = state.queue(job->queue)) {
          workers = static_cast<std::uint32_t>(std::max<std::uint64_t>(
              1, info->counts.by_state[static_cast<std::size_t>(JobState::running)]));
        }
        if (auto eta = state.eta(job->id, data.now, workers)) row.eta_start = eta->start;
      }
      data.jobs.push_back(std::move(row));
    }
    data.jobs_total = jobs.size();
  }
}

CronRow cron_row(const CronEntry& entry, std::optional<TimeMs> next) {
  CronRow row;
  row.name = entry.name;
  row.schedule = entry.schedule;
  row.zone = entry.zone;
  row.queue = entry.job.queue;
  row.paused = entry.paused;
  if (!entry.paused) row.next = next;
  if (!entry.runs.empty()) {
    row.last_run = entry.runs.back().instant;
    row.last_kind = to_string(entry.runs.back().kind);
    row.last_job = entry.runs.back().job;
  }
  return row;
}

std::optional<TimeMs> cron_next(const CronEntry& entry) {
  if (entry.paused) return std::nullopt;
  // The node checked the schedule when the entry was added; one that does
  // not parse here (an older tz database) just shows no next instant.
  Result<cron::Schedule> schedule = cron::parse_schedule(entry.schedule, entry.zone);
  if (!schedule.ok()) return std::nullopt;
  return cron::next_fire(schedule.value(), entry.last_instant);
}

std::vector<JobId> jobs_in_scope(const State& state, const JobsScope& scope, std::size_t limit) {
  std::vector<JobId> ids;
  for (const Job* job : scope_jobs(state, scope, limit)) ids.push_back(job->id);
  return ids;
}

}  // namespace desaster::top
