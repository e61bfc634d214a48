#include "core/node/metrics/node_metrics.hpp"

#include <map>

#include "core/node/metrics/metrics_server.hpp"

namespace desaster::metrics {

namespace {

constexpr JobState kStates[] = {JobState::scheduled, JobState::queued, JobState::running,
                                JobState::succeeded, JobState::failed, JobState::dead,
                                JobState::killed};

void write_queues(Exposition& out, const State& state, TimeMs now) {
  const std::vector<QueueInfo> queues = state.queues();
  out.family("desaster_queue_jobs", MetricType::gauge, "Jobs per queue and state.");
  for (const QueueInfo& q : queues) {
    for (JobState s : kStates) {
      out.sample("desaster_queue_jobs", {{"queue", q.name}, {"state", to_string(s)}},
                 q.counts.by_state[static_cast<int>(s)]);
    }
  }
  out.family("desaster_queue_depth", MetricType::gauge, "Jobs waiting in the queue (queued).");
  for (const QueueInfo& q : queues) {
    out.sample("desaster_queue_depth", {{"queue", q.name}},
               q.counts.by_state[static_cast<int>(JobState::queued)]);
  }
  out.family("desaster_queue_oldest_job_age_seconds", MetricType::gauge,
             "Age of the queue's oldest queued job (0 when none waits).");
  for (const QueueInfo& q : queues) {
    // Ids grow with time, so the smallest queued id is the oldest job.
    ListQuery oldest;
    oldest.queue = q.name;
    oldest.state = JobState::queued;
    oldest.limit = 1;
    const ListPage page = state.list(oldest);
    double age = 0;
    if (!page.jobs.empty() && page.jobs.front()->created_at < now) {
      age = static_cast<double>(now - page.jobs.front()->created_at) / 1000.0;
    }
    out.sample("desaster_queue_oldest_job_age_seconds", {{"queue", q.name}}, age);
  }
  out.family("desaster_queue_paused", MetricType::gauge, "1 when the queue is paused.");
  for (const QueueInfo& q : queues) {
    out.sample("desaster_queue_paused", {{"queue", q.name}},
               std::uint64_t{q.config.paused ? 1u : 0u});
  }
  const Totals& t = state.totals();
  struct Total {
    const char* name;
    const char* help;
    std::uint64_t value;
  };
  const Total totals[] = {
      {"desaster_cluster_jobs_enqueued_total", "Jobs ever enqueued (replicated).", t.enqueued},
      {"desaster_cluster_jobs_succeeded_total", "Jobs ever succeeded (replicated).", t.succeeded},
      {"desaster_cluster_attempts_failed_total", "Attempts ever failed (replicated).",
       t.failed_attempts},
      {"desaster_cluster_jobs_dead_total", "Jobs ever out of attempts (replicated).", t.dead},
      {"desaster_cluster_jobs_killed_total", "Jobs ever killed (replicated).", t.killed},
      {"desaster_cluster_duplicate_runs_total",
       "Reports of runs that were no longer current (replicated).", t.duplicate_runs},
      {"desaster_cluster_jobs_purged_total", "Succeeded jobs purged after their retention.",
       t.purged},
  };
  for (const Total& total : totals) {
    out.family(total.name, MetricType::counter, total.help);
    out.sample(total.name, {}, total.value);
  }
}

void write_node(Exposition& out, const protocol::NodesReply& nodes, const std::string& version) {
  const protocol::NodeSummary* self = nullptr;
  for (const protocol::NodeSummary& n : nodes.nodes)
    if (n.self) self = &n;
  if (!self) return;
  out.family("desaster_node_info", MetricType::gauge, "This node: its id, mode and version.");
  out.sample("desaster_node_info",
             {{"node", self->node}, {"mode", nodes.mode}, {"version", version}}, std::uint64_t{1});
  out.family("desaster_node_role", MetricType::gauge, "1 for this node's current Raft role.");
  for (const char* role : {"leader", "voter", "learner", "joining"}) {
    out.sample("desaster_node_role", {{"role", role}}, std::uint64_t{self->role == role ? 1u : 0u});
  }
  out.family("desaster_raft_term", MetricType::gauge, "This node's current term.");
  out.sample("desaster_raft_term", {}, self->term);
  out.family("desaster_raft_applied_index", MetricType::gauge, "Last log index applied here.");
  out.sample("desaster_raft_applied_index", {}, self->index);
  out.family("desaster_raft_commit_index", MetricType::gauge, "Commit index as known here.");
  out.sample("desaster_raft_commit_index", {}, self->commit);
  out.family("desaster_raft_commit_lag_entries", MetricType::gauge,
             "Committed entries not yet applied on this node.");
  out.sample("desaster_raft_commit_lag_entries", {},
             self->commit > self->index ? self->commit - self->index : 0);
  out.family("desaster_raft_member_lag_entries", MetricType::gauge,
             "Per member: the leader's last index minus what the member holds (on the "
             "leader).");
  for (const protocol::NodeSummary& n : nodes.nodes) {
    if (n.lag) out.sample("desaster_raft_member_lag_entries", {{"member", n.node}}, *n.lag);
  }
  std::map<std::string, std::uint64_t> roles;
  std::uint64_t peers = 0;
  for (const protocol::NodeSummary& n : nodes.nodes) {
    ++roles[n.role];
    if (!n.self && n.last_seen_ms > 0) ++peers;
  }
  out.family("desaster_peers", MetricType::gauge, "Peers heard by beacon.");
  out.sample("desaster_peers", {}, peers);
  out.family("desaster_cluster_nodes", MetricType::gauge, "Nodes known here, per role.");
  for (const auto& [role, count] : roles)
    out.sample("desaster_cluster_nodes", {{"role", role}}, count);
  out.family("desaster_node_running_jobs", MetricType::gauge, "Jobs running on this node.");
  out.sample("desaster_node_running_jobs", {}, std::uint64_t{self->running});
  out.family("desaster_node_free_slots", MetricType::gauge,
             "Free worker slots of this node's workers.");
  out.sample("desaster_node_free_slots", {}, std::uint64_t{self->free_slots});
  out.family("desaster_beacons_dropped_total", MetricType::counter,
             "Beacons dropped (bad MAC, malformed).");
  out.sample("desaster_beacons_dropped_total", {}, nodes.beacons_dropped);
}

void write_pools(Exposition& out, const std::vector<protocol::PoolSummary>& pools,
                 const protocol::ResourcesReply& resources) {
  std::vector<const protocol::PoolSummary*> local;
  for (const protocol::PoolSummary& p : pools)
    if (p.local) local.push_back(&p);
  out.family("desaster_pool_workers", MetricType::gauge, "Ruby pool workers per state.");
  for (const protocol::PoolSummary* p : local) {
    std::map<std::string, std::uint64_t> by_state;
    for (const char* s : {"starting", "idle", "busy", "stopping", "exiting"}) by_state[s] = 0;
    for (const protocol::PoolWorkerSummary& w : p->workers) ++by_state[w.state];
    for (const auto& [state, count] : by_state) {
      out.sample("desaster_pool_workers", {{"pool", p->spec.name}, {"state", state}}, count);
    }
  }
  out.family("desaster_pool_target_workers", MetricType::gauge, "Workers the pool aims at.");
  for (const protocol::PoolSummary* p : local) {
    out.sample("desaster_pool_target_workers", {{"pool", p->spec.name}}, std::uint64_t{p->target});
  }
  out.family("desaster_pool_worker_restarts_total", MetricType::counter,
             "Ruby pool workers that died and were started again.");
  for (const protocol::PoolSummary* p : local) {
    out.sample("desaster_pool_worker_restarts_total", {{"pool", p->spec.name}}, p->died);
  }
  out.family("desaster_pool_jobs_done_total", MetricType::counter, "Jobs a Ruby pool finished.");
  for (const protocol::PoolSummary* p : local) {
    out.sample("desaster_pool_jobs_done_total", {{"pool", p->spec.name}}, p->jobs_done);
  }
  out.family("desaster_pool_kills_total", MetricType::counter,
             "Workers (Ruby) or jobs (shell) killed mid-job: over a limit past its grace, or "
             "past the job's timeout.");
  for (const protocol::PoolSummary* p : local) {
    const std::string& name = p->spec.name;
    out.sample("desaster_pool_kills_total", {{"pool", name}, {"reason", "memory"}},
               p->killed_over_memory);
    out.sample("desaster_pool_kills_total", {{"pool", name}, {"reason", "cpu"}},
               p->killed_over_cpu);
    out.sample("desaster_pool_kills_total", {{"pool", name}, {"reason", "timeout"}},
               p->killed_past_timeout);
  }
  out.sample("desaster_pool_kills_total", {{"pool", "shell"}, {"reason", "memory"}},
             resources.shell_limits.killed_over_memory);
  out.sample("desaster_pool_kills_total", {{"pool", "shell"}, {"reason", "cpu"}},
             resources.shell_limits.killed_over_cpu);
  out.family("desaster_pool_replacements_total", MetricType::counter,
             "Ruby pool workers replaced after a job for being over a limit.");
  for (const protocol::PoolSummary* p : local) {
    out.sample("desaster_pool_replacements_total", {{"pool", p->spec.name}, {"reason", "memory"}},
               p->replaced_over_memory);
    out.sample("desaster_pool_replacements_total", {{"pool", p->spec.name}, {"reason", "cpu"}},
               p->replaced_over_cpu);
  }
  std::map<std::string, std::uint64_t> rss;
  rss["shell"] = 0;
  for (const protocol::PoolSummary* p : local) rss[p->spec.name] = 0;
  for (const protocol::WorkerResources& w : resources.workers) rss[w.pool] += w.rss_kb * 1024;
  out.family("desaster_pool_resident_memory_bytes", MetricType::gauge,
             "RSS of the pool's processes at the last sample (shell: its jobs' process "
             "groups).");
  for (const auto& [pool, bytes] : rss) {
    out.sample("desaster_pool_resident_memory_bytes", {{"pool", pool}}, bytes);
  }
  out.family("desaster_host_load1", MetricType::gauge, "The host's 1-minute load average.");
  out.sample("desaster_host_load1", {}, resources.current.load1);
  out.family("desaster_host_memory_used_bytes", MetricType::gauge, "The host's used memory.");
  out.sample("desaster_host_memory_used_bytes", {}, resources.current.mem_used_kb * 1024);
}

void write_workers(Exposition& out, const std::vector<WorkerSlots>& workers) {
  out.family("desaster_worker_free_slots", MetricType::gauge,
             "Per worker registered with this node's dispatcher (the leader sees every "
             "node's): slots it has free.");
  for (const WorkerSlots& w : workers) {
    out.sample("desaster_worker_free_slots",
               {{"node", w.node}, {"worker", w.worker}, {"pool", w.pool}}, std::uint64_t{w.free});
  }
  out.family("desaster_worker_busy_slots", MetricType::gauge,
             "Per worker: jobs pushed to it and not reported yet.");
  for (const WorkerSlots& w : workers) {
    out.sample("desaster_worker_busy_slots",
               {{"node", w.node}, {"worker", w.worker}, {"pool", w.pool}}, std::uint64_t{w.busy});
  }
}

}  // namespace

std::string render_node_metrics(const MetricsSources& sources, const JobMetrics& jobs,
                                const Histogram& journal_sync) {
  Exposition out;
  const TimeMs now = sources.now();
  write_queues(out, *sources.state, now);
  jobs.write(out);
  out.family("desaster_journal_sync_seconds", MetricType::histogram,
             "Time the journal's fdatasync took per group commit on this node.");
  journal_sync.write(out, "desaster_journal_sync_seconds", {});
  write_node(out, sources.nodes(), sources.version);
  write_pools(out, sources.pools(), sources.resources());
  if (sources.workers) write_workers(out, sources.workers());
  if (sources.extra) sources.extra(out);
  return out.take();
}

NodeMetrics::NodeMetrics(uv_loop_t* loop, const Logger& log, MetricsSources sources)
    : sources_(std::move(sources)), server_(std::make_unique<MetricsServer>(loop, log, [this] {
        return render_node_metrics(sources_, jobs_, journal_sync_);
      })) {}

NodeMetrics::~NodeMetrics() = default;

Status NodeMetrics::start(const std::string& address, std::uint16_t port, int fd) {
  return server_->start(address, port, fd);
}

void NodeMetrics::stop_accepting() {
  server_->stop_accepting();
}

bool NodeMetrics::quiet() const {
  return server_->quiet();
}

void NodeMetrics::on_applied(const Op& op, const ApplyResult& result) {
  jobs_.on_applied(op, result, *sources_.state);
}

void NodeMetrics::on_journal_sync(double seconds) {
  journal_sync_.observe(seconds);
}

void NodeMetrics::close(std::function<void()> done) {
  server_->close(std::move(done));
}

}  // namespace desaster::metrics
