// A Ruby pool's memory and CPU limits (PoolSpec), fed by the node's
// resource monitor once a second and judged by monitor::judge_sample. A
// worker sampled over a limit is marked: idle, it is stopped and replaced at
// once; busy, it finishes its job and is then replaced (on_done); still busy
// limit_grace_ms after its first sample over the limit, and over it again,
// it is killed and its job reported failed. Each replacement and kill is
// logged and counted per limit.
#include <signal.h>

#include "core/model/job_id.hpp"
#include "workers/ruby_pool/ruby_pool_impl.hpp"

namespace desaster::ruby_pool {

namespace {

monitor::Limits pool_limits(const PoolSpec& spec) {
  return monitor::Limits{spec.memory_limit_mb, spec.cpu_limit_percent, pool_limit_grace_ms(spec)};
}

}  // namespace

void RubyPool::on_sample(std::int64_t pid, double cpu_percent, std::uint64_t rss_kb) {
  Impl& p = *impl_;
  if (p.closing || !pool_limits(p.spec).any()) return;
  for (auto& [slot, w] : p.workers) {
    if (w->pid == pid) {
      p.on_sample(*w, cpu_percent, rss_kb);
      p.step();
      return;
    }
  }
}

void RubyPool::Impl::on_sample(PoolWorker& w, double cpu_percent, std::uint64_t rss_kb) {
  const monitor::Limits limits = pool_limits(spec);
  monitor::LimitCheck check =
      monitor::judge_sample(limits, w.over_limit, cpu_percent, rss_kb, now());
  if (check.verdict != monitor::LimitVerdict::first_over &&
      check.verdict != monitor::LimitVerdict::past_grace) {
    return;
  }
  const bool memory = check.kind == monitor::LimitKind::memory;
  const std::string over = check.over;
  if (w.state == WorkerState::idle) {
    ++(memory ? counters.replaced_over_memory : counters.replaced_over_cpu);
    stop_worker(w, std::string("replaced over ") + monitor::limit_name(check.kind) + ": " + over);
    return;
  }
  if (w.state != WorkerState::busy || !w.job) return;
  if (check.verdict == monitor::LimitVerdict::first_over) {
    log("worker pid " + std::to_string(w.pid) + " at " + over + " during job " +
        format_job_id(w.job->id) + ": replaced after it, killed if still over in " +
        std::to_string(limits.grace_ms / 1000) + " s");
    return;
  }
  ++(memory ? counters.killed_over_memory : counters.killed_over_cpu);
  log("job " + format_job_id(w.job->id) + " kept worker pid " + std::to_string(w.pid) +
      " over its " + monitor::limit_name(check.kind) + " limit past the grace (" + over +
      "): killing the worker");
  w.job->lost = true;
  report(*w.job, Outcome::failed,
         std::string("killed over the pool's ") + monitor::limit_name(check.kind) + " limit (" +
             over + ")",
         {}, w.rss_kb);
  w.job.reset();
  kill_worker(w);
}

}  // namespace desaster::ruby_pool
