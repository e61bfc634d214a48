#include "core/node/resources_reply.hpp"

#include "workers/ruby_pool/pool_manager.hpp"
#include "workers/shell/shell_pool.hpp"

namespace desaster {

namespace {

constexpr std::uint64_t kSecondsSpanMs = 10 * 60 * 1000;

protocol::ResourcePoint to_point(const monitor::HistoryPoint& p) {
  return {p.at,         p.samples,  p.cpu_mean, p.cpu_max, p.mem_used_mean_kb, p.mem_used_max_kb,
          p.load1_mean, p.load1_max};
}

}  // namespace

std::vector<monitor::TrackedProcess> tracked_processes(const ShellPool* shell,
                                                       const ruby_pool::PoolManager* ruby) {
  std::vector<monitor::TrackedProcess> out;
  if (shell) {
    for (const auto& [job, pid] : shell->processes()) out.push_back({pid, "shell", "job", job});
  }
  if (ruby) {
    for (const protocol::PoolSummary& pool : ruby->summaries()) {
      if (!pool.local) continue;
      if (pool.master_pid > 0) out.push_back({pool.master_pid, pool.spec.name, "master", 0});
      for (const protocol::PoolWorkerSummary& w : pool.workers) {
        if (w.pid > 0) out.push_back({w.pid, pool.spec.name, "worker", w.job});
      }
    }
  }
  return out;
}

void enforce_limits(const monitor::Reading& reading, ShellPool* shell, ruby_pool::PoolManager* ruby,
                    TimeMs now) {
  for (const monitor::WorkerSample& w : reading.workers) {
    if (w.process.role == "job" && shell) {
      shell->on_sample(w.process.pid, w.cpu_percent, w.rss_kb, now);
    } else if (w.process.role == "worker" && ruby) {
      ruby->on_sample(w.process.pool, w.process.pid, w.cpu_percent, w.rss_kb);
    }
  }
}

protocol::ResourcesReply make_resources_reply(const monitor::ResourceMonitor& monitor,
                                              const State& state, const ShellPool* shell,
                                              const std::string& node_id,
                                              const protocol::Resources& request, TimeMs now) {
  protocol::ResourcesReply reply;
  if (shell) {
    const monitor::Limits& limits = shell->limits();
    const ShellLimitCounters counters = shell->limit_counters();
    reply.shell_limits = {limits.memory_mb, limits.cpu_percent, limits.grace_ms,
                          counters.killed_over_memory, counters.killed_over_cpu};
  }
  reply.node = node_id;
  reply.samples = monitor.samples();
  const monitor::Reading& current = monitor.current();
  const monitor::NodeSample& n = current.node;
  reply.current = {n.at, n.cpu_percent, n.mem_used_kb, n.mem_total_kb, n.load1, n.load5, n.load15};
  for (const monitor::WorkerSample& w : current.workers) {
    reply.workers.push_back(
        {w.process.pid, w.process.pool, w.process.role, w.process.job, w.cpu_percent, w.rss_kb});
  }
  reply.series = request.series;
  if (reply.series.empty()) {
    reply.series =
        request.since_ms != 0 && request.since_ms <= kSecondsSpanMs ? "seconds" : "minutes";
  }
  TimeMs since = request.since_ms == 0 || static_cast<TimeMs>(request.since_ms) > now
                     ? 0
                     : now - static_cast<TimeMs>(request.since_ms);
  std::vector<monitor::HistoryPoint> points;
  if (reply.series == "seconds") points = monitor.history().seconds(since);
  if (reply.series == "minutes") points = monitor.history().minutes(since);
  reply.history.reserve(points.size());
  for (const monitor::HistoryPoint& p : points) reply.history.push_back(to_point(p));
  reply.jobs_run = state.jobs_run_by_node();
  return reply;
}

}  // namespace desaster
