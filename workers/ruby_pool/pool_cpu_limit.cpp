// A Ruby pool's CPU limit (PoolSpec::cpu_limit_percent), fed by the node's
// resource monitor once a second. A worker sampled above the limit is
// marked: idle, it is stopped and replaced at once; busy, it finishes its
// job and is then replaced (on_done); still busy cpu_grace_ms after its
// first sample over the limit, and over it again, it is killed and its job
// reported failed. Each replacement and kill is logged and counted.
#include <signal.h>

#include "core/model/job_id.hpp"
#include "workers/ruby_pool/ruby_pool_impl.hpp"

namespace desaster::ruby_pool {

void RubyPool::on_cpu_sample(std::int64_t pid, double cpu_percent) {
  Impl& p = *impl_;
  if (p.closing || p.spec.cpu_limit_percent == 0) return;
  for (auto& [slot, w] : p.workers) {
    if (w->pid == pid) {
      p.on_cpu_sample(*w, cpu_percent);
      p.step();
      return;
    }
  }
}

void RubyPool::Impl::on_cpu_sample(PoolWorker& w, double cpu_percent) {
  const double limit = spec.cpu_limit_percent;
  if (cpu_percent <= limit) return;
  const std::string over = std::to_string(static_cast<int>(cpu_percent)) + " % CPU, limit " +
                           std::to_string(spec.cpu_limit_percent) + " %";
  if (w.state == WorkerState::idle) {
    ++counters.replaced_over_cpu;
    stop_worker(w, "replaced over CPU: " + over);
    return;
  }
  if (w.state != WorkerState::busy || !w.job) return;
  if (w.over_cpu_since == 0) {
    w.over_cpu_since = now();
    log("worker pid " + std::to_string(w.pid) + " at " + over + " during job " +
        format_job_id(w.job->id) + ": replaced after it, killed if still over in " +
        std::to_string(pool_cpu_grace_ms(spec) / 1000) + " s");
    return;
  }
  if (now() - w.over_cpu_since < pool_cpu_grace_ms(spec)) return;
  ++counters.killed_over_cpu;
  log("job " + format_job_id(w.job->id) + " kept worker pid " + std::to_string(w.pid) +
      " over its CPU limit past the grace (" + over + "): killing the worker");
  report(*w.job, Outcome::failed, "killed over the pool's CPU limit (" + over + ")", {}, w.rss_kb);
  w.job.reset();
  kill_worker(w);
}

}  // namespace desaster::ruby_pool
