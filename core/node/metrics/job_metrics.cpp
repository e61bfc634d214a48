#include "core/node/metrics/job_metrics.hpp"

#include <variant>

namespace desaster::metrics {

namespace {

constexpr const char* kOtherQueues = "(other)";

double seconds_between(TimeMs from, TimeMs to) {
  return static_cast<double>(to - from) / 1000.0;
}

// The run time of the attempt that just ended: the job's last history
// entry when it has one, else its current attempt's start to its finish.
double attempt_seconds(const Job& job) {
  if (!job.history.empty()) {
    const Attempt& last = job.history.back();
    if (last.finished_at >= last.started_at && last.started_at > 0) {
      return seconds_between(last.started_at, last.finished_at);
    }
  }
  return job.finished_at > 0 ? seconds_between(job.started_at, job.finished_at) : 0;
}

}  // namespace

JobMetrics::QueueCounters& JobMetrics::counters(const std::string& queue) {
  auto it = queues_.find(queue);
  if (it != queues_.end()) return it->second;
  if (queues_.size() >= kMaxQueues) return queues_[kOtherQueues];
  return queues_[queue];
}

void JobMetrics::on_applied(const Op& op, const ApplyResult& result, const State& state) {
  const bool enqueue = std::holds_alternative<EnqueueOp>(op);
  const bool lease = std::holds_alternative<LeaseOp>(op);
  for (const JobEvent& event : result.events) {
    if (event.removed) continue;
    const Job* job = state.find(event.id);
    if (!job) continue;
    QueueCounters& q = counters(job->queue);
    switch (event.state) {
      case JobState::scheduled:
      case JobState::queued:
        if (enqueue) ++q.enqueued;
        break;
      case JobState::running:
        if (lease) q.wait.observe(seconds_between(job->ready_since, job->started_at));
        break;
      case JobState::succeeded:
        ++q.processed;
        q.run.observe(attempt_seconds(*job));
        break;
      case JobState::failed:
        ++q.failed;
        q.run.observe(attempt_seconds(*job));
        break;
      case JobState::dead:
        ++q.failed;
        ++q.dead;
        q.run.observe(attempt_seconds(*job));
        break;
      case JobState::killed:
        ++q.killed;
        break;
    }
  }
}

void JobMetrics::write(Exposition& out) const {
  struct Counter {
    const char* name;
    const char* help;
    std::uint64_t QueueCounters::*field;
  };
  static constexpr Counter kCounters[] = {
      {"desaster_jobs_enqueued_total", "Jobs enqueued, per queue, since this node started.",
       &QueueCounters::enqueued},
      {"desaster_jobs_processed_total", "Jobs that succeeded, per queue, since this node started.",
       &QueueCounters::processed},
      {"desaster_jobs_failed_total",
       "Failed attempts (a dead job's last one too), per queue, since this node started.",
       &QueueCounters::failed},
      {"desaster_jobs_dead_total",
       "Jobs out of attempts (into the failed set), per queue, since this node started.",
       &QueueCounters::dead},
      {"desaster_jobs_killed_total",
       "Jobs killed by an operator, per queue, since this node "
       "started.",
       &QueueCounters::killed},
  };
  for (const Counter& c : kCounters) {
    out.family(c.name, MetricType::counter, c.help);
    for (const auto& [queue, q] : queues_) out.sample(c.name, {{"queue", queue}}, q.*(c.field));
  }
  out.family("desaster_job_queue_wait_seconds", MetricType::histogram,
             "Time from a job being ready (queued) to its lease, per queue.");
  for (const auto& [queue, q] : queues_) {
    q.wait.write(out, "desaster_job_queue_wait_seconds", {{"queue", queue}});
  }
  out.family("desaster_job_run_seconds", MetricType::histogram,
             "Run time of finished attempts (succeeded, failed or dead), per queue.");
  for (const auto& [queue, q] : queues_) {
    q.run.write(out, "desaster_job_run_seconds", {{"queue", queue}});
  }
}

}  // namespace desaster::metrics
