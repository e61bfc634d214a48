// desaster-top asking the node instead of keeping a replica (top_polled.hpp).
#include "ui/top/top_polled.hpp"

#include <algorithm>

#include "core/state/job_groups.hpp"

namespace desaster::top {

namespace {

// Error-signature groups have no filter on the node: this many failed
// jobs are fetched and matched here.
constexpr std::uint32_t kErrorScanLimit = 1000;
constexpr std::int64_t kDetailEveryMs = 1000;
// Requests for details per second at most (queues beyond show no age).
constexpr std::size_t kMaxOldestQueries = 50;

std::uint64_t of(const std::uint64_t* counts, JobState s) {
  return counts[static_cast<std::size_t>(s)];
}

std::uint32_t grown(std::uint64_t before, std::uint64_t now) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(now - before, 0xffffffffu));
}

Result<protocol::ListReply> scope_page(Client& client, const JobsScope& scope, std::size_t limit) {
  protocol::List q;
  q.limit = static_cast<std::uint32_t>(std::min<std::size_t>(limit, 1000));
  if (!scope.group) {
    q.queue = scope.name;
    return client.query(q);
  }
  q.states = {JobState::failed, JobState::dead};
  switch (scope.by) {
    case GroupBy::queue:
      q.queue = scope.name;
      return client.query(q);
    case GroupBy::job_class:
      q.job_class = scope.name;
      return client.query(q);
    case GroupBy::error:
      break;
  }
  q.limit = kErrorScanLimit;
  auto page = client.query(q);
  if (!page.ok()) return page;
  protocol::ListReply out = std::move(page.value());
  std::vector<Job> kept;
  std::vector<std::optional<protocol::JobEta>> etas;
  for (std::size_t i = 0; i < out.jobs.size() && kept.size() < limit; ++i) {
    if (error_signature(out.jobs[i].last_error) != scope.name) continue;
    kept.push_back(std::move(out.jobs[i]));
    etas.push_back(i < out.etas.size() ? out.etas[i] : std::nullopt);
  }
  out.jobs = std::move(kept);
  out.etas = std::move(etas);
  return out;
}

// Each queue's oldest queued job (ids grow with time: the first by id) and
// the start of each worker's job. Failures leave the last values.
void ask_details(Client& client, const TopData& data, PolledCounts& seen) {
  std::size_t asked = 0;
  seen.oldest.clear();
  for (const QueueStat& q : data.queues) {
    if (of(q.counts, JobState::queued) == 0 || asked++ >= kMaxOldestQueries) continue;
    protocol::List oldest;
    oldest.queue = q.name;
    oldest.state = JobState::queued;
    oldest.limit = 1;
    auto page = client.query(oldest);
    if (page.ok() && !page->jobs.empty()) seen.oldest[q.name] = page->jobs.front().created_at;
  }
  seen.started.clear();
  for (const protocol::ResourcesReply& node : data.resources) {
    for (const protocol::WorkerResources& w : node.workers) {
      if (w.job == 0 || seen.started.size() >= kMaxOldestQueries) continue;
      auto job = client.get(w.job);
      if (job.ok()) seen.started[w.job] = job->started_at;
    }
  }
}

// The cron entries with the node's next instants. A node without cron
// (older) or a failure leaves the pane empty; the rest of the screen is
// still good.
void ask_cron(Client& client, TopData& data) {
  data.cron.clear();
  protocol::CronCommand list;
  list.action = protocol::CronAction::list;
  auto reply = client.cron(list);
  if (!reply.ok()) return;
  for (const protocol::CronEntryView& v : reply->entries) {
    if (data.cron.size() >= kMaxCronRows) break;
    std::optional<TimeMs> next;
    if (!v.next.empty()) next = v.next.front();
    data.cron.push_back(cron_row(v.entry, next));
  }
}

}  // namespace

Status collect_from_node(Client& client, RateTracker& rates, PolledCounts& seen,
                         std::size_t job_limit, TopData& data) {
  auto queues = client.queues();
  if (!queues.ok()) return queues.status();
  std::fill(std::begin(data.counts), std::end(data.counts), 0);
  data.queues.clear();
  for (const protocol::QueueSummary& s : queues.value()) {
    QueueStat q;
    q.name = s.name;
    std::copy(std::begin(s.counts), std::end(s.counts), q.counts);
    for (std::size_t i = 0; i < kJobStates; ++i) data.counts[i] += s.counts[i];
    q.paused = s.paused;
    q.qdisc = s.qdisc;
    const std::uint64_t done = of(s.counts, JobState::succeeded);
    const std::uint64_t bad = of(s.counts, JobState::failed) + of(s.counts, JobState::dead);
    auto& [last_done, last_bad] = seen.last[s.name];
    if (seen.primed) {
      // Purges and retries make counts fall too; only growth is counted.
      if (done > last_done) rates.count(s.name, true, grown(last_done, done));
      if (bad > last_bad) rates.count(s.name, false, grown(last_bad, bad));
    }
    last_done = done;
    last_bad = bad;
    data.queues.push_back(std::move(q));
  }
  seen.primed = true;
  if (data.now - seen.detail_at >= kDetailEveryMs) {
    seen.detail_at = data.now;
    ask_details(client, data, seen);
  }
  for (QueueStat& q : data.queues) {
    auto it = seen.oldest.find(q.name);
    if (it != seen.oldest.end()) q.oldest_queued = it->second;
  }
  data.job_started = seen.started;
  for (QueueStat& q : data.queues) {
    q.processed_rate = rates.queue_processed_rate(q.name);
    q.failed_rate = rates.queue_failed_rate(q.name);
  }
  data.processed_rate = rates.processed_rate();
  data.failed_rate = rates.failed_rate();
  data.processed_history.assign(rates.processed_history().begin(), rates.processed_history().end());
  data.failed_history.assign(rates.failed_history().begin(), rates.failed_history().end());

  auto groups = client.failed_groups(data.failed_by);
  if (!groups.ok()) return groups.status();
  data.failed.clear();
  for (const protocol::GroupSummary& g : groups->groups) data.failed.push_back({g.key, g.count});
  data.index = groups->index;
  data.term = groups->term;

  data.jobs.clear();
  data.jobs_total = 0;
  if (data.jobs_scope) {
    auto page = scope_page(client, *data.jobs_scope, job_limit);
    if (!page.ok()) return page.status();
    for (std::size_t i = 0; i < page->jobs.size(); ++i) {
      const Job& job = page->jobs[i];
      JobRow row;
      row.id = job.id;
      row.queue = job.queue;
      row.job_class = job.job_class;
      row.state = job.state;
      row.attempts = job.attempts;
      row.created_at = job.created_at;
      row.started_at = job.started_at;
      row.error = job.last_error;
      if (i < page->etas.size() && page->etas[i]) row.eta_start = page->etas[i]->start_ms;
      data.jobs.push_back(std::move(row));
    }
    data.jobs_total = page->total;
  }
  ask_cron(client, data);
  return Status::success();
}

Result<std::vector<JobId>> scope_ids_from_node(Client& client, const JobsScope& scope,
                                               std::size_t limit) {
  auto page = scope_page(client, scope, limit);
  if (!page.ok()) return page.status();
  std::vector<JobId> ids;
  for (const Job& job : page->jobs) ids.push_back(job.id);
  return ids;
}

}  // namespace desaster::top
