// RubyPool's answer to a "cancel" push: the lease's job was killed or
// relocated on the node. A Ruby job cannot be interrupted safely inside its
// worker, so the worker process goes (SIGTERM, SIGKILL after the grace) and
// step() replaces it, as it replaces any worker that stopped.
#include <signal.h>

#include <algorithm>

#include "core/model/job_id.hpp"
#include "workers/ruby_pool/ruby_pool_impl.hpp"

namespace desaster::ruby_pool {

namespace {

bool same_lease(const Job& job, std::uint64_t term, const protocol::CancelPush& push) {
  return job.id == push.id && term == push.term && job.attempts == push.attempt;
}

}  // namespace

void RubyPool::Impl::cancel(const protocol::CancelPush& push) {
  if (closing) return;
  // Not started yet: it never reaches a worker.
  auto held_it = std::find_if(held.begin(), held.end(), [&](const HeldLease& lease) {
    return same_lease(lease.job, lease.term, push);
  });
  if (held_it != held.end()) {
    RunningJob job{push.id, push.term, push.attempt, 0, 0, held_it->job.kind};
    held.erase(held_it);
    log("job " + format_job_id(push.id) + " cancelled before it started");
    report(job, Outcome::killed, "killed on request before it started", {}, 0);
    step();
    return;
  }
  for (auto& [slot, w] : workers) {
    if (!w->job || w->job->id != push.id || w->job->term != push.term ||
        w->job->attempt != push.attempt) {
      continue;
    }
    RunningJob job = *w->job;
    w->job.reset();
    report(job, Outcome::killed, "killed on request (worker terminated)", {}, w->rss_kb);
    terminate_worker(*w, "its job " + format_job_id(push.id) + " was cancelled");
    step();
    return;
  }
}

void RubyPool::Impl::terminate_worker(PoolWorker& w, const std::string& why) {
  log("terminating worker " + std::to_string(w.slot) + " pid " + std::to_string(w.pid) + " (" +
      why + ")");
  w.stop_expected = true;
  w.retire_after_job = false;
  w.state = WorkerState::stopping;
  w.since = now();
  w.kill_at = now() + options.kill_grace_ms;
  if (w.pid > 0) ::kill(w.pid, SIGTERM);
}

}  // namespace desaster::ruby_pool
