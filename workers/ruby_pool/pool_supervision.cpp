// RubyPool's supervision of its workers: their events, and step(), which
// brings what runs in line with what should run and re-arms the pool's one
// timer to the next deadline. See ruby_pool.hpp for the policy.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/model/job_id.hpp"
#include "transport/protocol/body_writer.hpp"
#include "workers/ruby_pool/ruby_pool_impl.hpp"

namespace desaster::ruby_pool {

namespace {

// After a worker's channel closed or the master reported it reaped, how long
// to wait for the other news before treating it as gone.
constexpr Millis kExitSettleMs = 500;

std::string duration_text(std::uint64_t ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

std::string exit_text(const PoolWorker& w) {
  if (w.exit_signal) return "signal " + std::to_string(*w.exit_signal);
  if (w.exit_status) return "exit status " + std::to_string(*w.exit_status);
  return "unknown status";
}

// A Rack reply as the job's output: the msgpack map {status, headers, body}.
// (A leased http job's: it goes back to the front end of another node.)
// Headers that were not strings go as nil, which that front end refuses.
std::string rack_output(const RackReply& rack) {
  protocol::BodyWriter w;
  w.add("status", rack.status);
  auto& pk = w.key("headers");
  if (!rack.headers_problem.empty()) {
    pk.pack_nil();
  } else {
    pk.pack_map(static_cast<std::uint32_t>(rack.headers.size()));
    for (const auto& [name, value] : rack.headers) {
      pk.pack(name);
      pk.pack(value);
    }
  }
  w.add_bytes("body", rack.body);
  return w.finish();
}

}  // namespace

std::string worker_state_name(WorkerState state) {
  switch (state) {
    case WorkerState::starting:
      return "starting";
    case WorkerState::idle:
      return "idle";
    case WorkerState::busy:
      return "busy";
    case WorkerState::stopping:
      return "stopping";
    case WorkerState::exiting:
      return "exiting";
  }
  return "?";
}

bool RubyPool::Impl::outdated(const PoolWorker& w) const {
  return master && master->state == MasterState::loaded &&
         w.master_generation != master->generation;
}

std::size_t RubyPool::Impl::count_live_current() const {
  std::size_t n = 0;
  for (const auto& [slot, w] : workers) {
    // A crashed worker holds its place until it is finalized, so that its
    // replacement waits for the backoff and takes its slot.
    const bool crashing = w->state == WorkerState::exiting && !w->stop_expected;
    if ((w->state == WorkerState::starting || w->state == WorkerState::idle ||
         w->state == WorkerState::busy || crashing) &&
        !w->retire_after_job && !outdated(*w)) {
      ++n;
    }
  }
  return n;
}

std::size_t RubyPool::Impl::count_idle() const {
  std::size_t n = 0;
  for (const auto& [slot, w] : workers)
    if (w->state == WorkerState::idle) ++n;
  return n;
}

PoolWorker* RubyPool::Impl::find_worker(pid_t pid) {
  for (auto& [slot, w] : workers)
    if (w->pid == pid) return w.get();
  return nullptr;
}

void RubyPool::Impl::spawn_worker() {
  std::uint32_t slot = 0;
  while (workers.count(slot)) ++slot;
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    log(std::string("cannot create a worker channel: ") + std::strerror(errno));
    respawn_at = now() + backoff;
    return;
  }
  auto worker = std::make_unique<PoolWorker>();
  worker->slot = slot;
  worker->master_generation = master->generation;
  worker->since = now();
  PoolWorker* w = worker.get();
  WorkerLink::Events events;
  events.on_message = [this, w](WorkerMessage m) { on_worker_message(*w, std::move(m)); };
  events.on_closed = [this, w](const std::string& why) { on_worker_gone(*w, why); };
  Result<std::unique_ptr<WorkerLink>> link = WorkerLink::open(loop, pair[0], std::move(events));
  if (!link.ok()) {
    ::close(pair[1]);
    log(link.status().message);
    respawn_at = now() + backoff;
    return;
  }
  worker->link = std::move(*link);
  Status sent = master->process->send(encode_spawn(slot), pair[1]);
  ::close(pair[1]);
  if (!sent.ok()) {
    log("cannot ask the master for a worker: " + sent.message);
    worker->link->close();
    respawn_at = now() + backoff;
    return;
  }
  workers.emplace(slot, std::move(worker));
}

void RubyPool::Impl::on_worker_message(PoolWorker& w, WorkerMessage message) {
  if (auto* ready = std::get_if<WorkerReady>(&message)) {
    on_ready(w, *ready);
  } else {
    on_done(w, std::get<WorkerDone>(message));
  }
  step();
}

void RubyPool::Impl::on_ready(PoolWorker& w, const WorkerReady& ready) {
  w.pid = static_cast<pid_t>(ready.pid);
  if (w.state != WorkerState::starting) return;
  w.state = WorkerState::idle;
  w.since = now();
  if (outdated(w)) return;
  // During a reload each new worker that is ready retires one old one.
  PoolWorker* busy_old = nullptr;
  for (auto& [slot, other] : workers) {
    if (!outdated(*other) || other->retire_after_job) continue;
    if (other->state == WorkerState::idle || other->state == WorkerState::starting) {
      stop_worker(*other, "replaced by a reload");
      return;
    }
    if (other->state == WorkerState::busy && !busy_old) busy_old = other.get();
  }
  if (busy_old) busy_old->retire_after_job = true;
}

void RubyPool::Impl::on_done(PoolWorker& w, WorkerDone& done) {
  if (!w.job || w.job->id != done.id) {
    log("worker pid " + std::to_string(w.pid) + " reported job " + format_job_id(done.id) +
        ", which it was not running; stopping it");
    stop_worker(w, "protocol error");
    return;
  }
  RunningJob job = *w.job;
  w.job.reset();
  note_transient_run(job);
  // The request sent behind it runs from now.
  if (w.next) {
    w.job = std::move(w.next);
    w.next.reset();
    w.job->deadline = now() + w.job->timeout_ms;
    w.job->started_ns = uv_hrtime();
  }
  w.rss_kb = done.rss_kb;
  ++counters.jobs_done;
  if (done.ok) {
    backoff = options.backoff_min_ms;
    if (job.transient) {
      end_transient(job, Outcome::succeeded, {}, {}, std::move(done.rack));
    } else {
      report(job, Outcome::succeeded, {}, done.rack ? rack_output(*done.rack) : std::string(),
             done.rss_kb);
    }
  } else {
    RubyError error = done.error.value_or(RubyError{"RuntimeError", "failed", {}});
    report(job, Outcome::failed, describe(error), backtrace_text(error), done.rss_kb);
  }
  if (w.state != WorkerState::busy) return;  // exiting, or stopped meanwhile
  if (w.job) return;  // runs the request sent behind: the checks below wait for its end
  const std::uint64_t limit_kb = std::uint64_t{spec.memory_limit_mb} * 1024;
  if (limit_kb > 0 && done.rss_kb > limit_kb) {
    ++counters.replaced_over_memory;
    stop_worker(w, "replaced over memory: " + std::to_string(done.rss_kb / 1024) +
                       " MiB after job " + format_job_id(job.id) + ", limit " +
                       std::to_string(spec.memory_limit_mb) + " MiB");
    return;
  }
  if (w.over_limit.set) {
    const bool memory = w.over_limit.kind == monitor::LimitKind::memory;
    ++(memory ? counters.replaced_over_memory : counters.replaced_over_cpu);
    stop_worker(w, std::string("replaced over ") + monitor::limit_name(w.over_limit.kind) +
                       " after job " + format_job_id(job.id) + ", limit " +
                       (memory ? std::to_string(spec.memory_limit_mb) + " MiB"
                               : std::to_string(spec.cpu_limit_percent) + " %"));
    return;
  }
  if (w.retire_after_job || outdated(w)) {
    stop_worker(w, outdated(w) ? "replaced by a reload" : "retired");
    return;
  }
  w.state = WorkerState::idle;
  w.since = now();
}

void RubyPool::Impl::stop_worker(PoolWorker& w, const std::string& why) {
  log("stopping worker " + std::to_string(w.slot) + " pid " + std::to_string(w.pid) + " (" + why +
      ")");
  w.stop_expected = true;
  w.state = WorkerState::stopping;
  w.since = now();
  if (w.link) w.link->send(encode_worker_stop());
}

void RubyPool::Impl::kill_worker(PoolWorker& w) {
  w.stop_expected = true;
  if (w.pid > 0) ::kill(w.pid, SIGKILL);
  if (w.link) w.link->close();
  w.channel_closed = true;
  if (w.state != WorkerState::exiting) {
    w.state = WorkerState::exiting;
    w.since = now();
  }
}

void RubyPool::Impl::on_worker_gone(PoolWorker& w, const std::string& why) {
  w.channel_closed = true;
  if (why != "closed its channel") log("worker pid " + std::to_string(w.pid) + " " + why);
  if (w.state != WorkerState::exiting) {
    w.state = WorkerState::exiting;
    w.since = now();
  }
  // The master's `exited` may have come first; otherwise wait a little for it.
  if (w.reaped) return finalize(w);
  step();
}

void RubyPool::Impl::on_worker_exited(const MasterExited& exited) {
  PoolWorker* w = find_worker(static_cast<pid_t>(exited.pid));
  if (!w) return;
  w->reaped = true;
  w->exit_status = exited.status;
  w->exit_signal = exited.signal;
  if (w->channel_closed) return finalize(*w);
  if (w->state != WorkerState::exiting) {
    w->state = WorkerState::exiting;
    w->since = now();
  }
}

void RubyPool::Impl::finalize(PoolWorker& w) {
  const bool crashed = !w.stop_expected && !closing;
  if (w.job) {
    w.job->lost = true;
    report(*w.job, Outcome::failed, "worker died: " + exit_text(w), {}, w.rss_kb);
    w.job.reset();
  }
  if (w.next) {
    RunningJob next = *w.next;
    w.next.reset();
    next.lost = true;
    next.not_started = true;
    report(next, Outcome::failed, "worker died before the request began: " + exit_text(w), {},
           w.rss_kb);
  }
  if (crashed) {
    ++counters.died;
    ++slot_restarts[w.slot];
    respawn_at = now() + backoff;
    log("worker " + std::to_string(w.slot) + " pid " + std::to_string(w.pid) + " died (" +
        exit_text(w) + "); replacing it in " + duration_text(backoff));
    backoff = std::min(backoff * 2, options.backoff_max_ms);
  } else {
    log("worker " + std::to_string(w.slot) + " pid " + std::to_string(w.pid) + " exited (" +
        exit_text(w) + ")");
  }
  if (w.link) w.link->close();
  workers.erase(w.slot);
  step();
}

void RubyPool::Impl::start_job(PoolWorker& w, HeldLease lease) {
  Result<std::string> message = encode_job_message(lease.job);
  if (!message.ok()) return refuse(lease.job, lease.term, message.status().message);
  start_encoded(w, std::move(lease), std::move(*message));
}

void RubyPool::Impl::start_encoded(PoolWorker& w, HeldLease lease, std::string message) {
  const Job& job = lease.job;
  RunningJob running;
  running.id = job.id;
  running.term = lease.term;
  running.attempt = job.attempts;
  running.kind = job.kind;
  running.timeout_ms = job.timeout_ms != 0 ? job.timeout_ms : pool_timeout_ms(spec);
  running.deadline = now() + running.timeout_ms;
  running.started_ns = uv_hrtime();  // run times decide the lease ahead (lease_ahead)
  w.job = running;
  w.state = WorkerState::busy;
  w.since = now();
  w.link->send(std::move(message));
}

PoolWorker* RubyPool::Impl::pipeline_slot() const {
  if (closing || !held.empty() || transient_runs < 8 ||
      transient_us > static_cast<double>(kPipelineMaxUs))
    return nullptr;
  for (const auto& [slot, w] : workers) {
    if (w->state == WorkerState::busy && w->job && w->job->transient && !w->next &&
        !w->retire_after_job && !w->over_limit.set && !outdated(*w))
      return w.get();
  }
  return nullptr;
}

void RubyPool::Impl::note_transient_run(const RunningJob& job) {
  if (!job.transient || job.started_ns == 0) return;
  const double us = static_cast<double>(uv_hrtime() - job.started_ns) / 1000.0;
  ++transient_runs;
  // About the last 8 requests: a pool whose requests turn slow stops
  // taking them behind others within a few (and a fresh worker's slow
  // first requests are soon forgotten).
  transient_us = transient_runs == 1 ? us : transient_us + (us - transient_us) / 8;
}

// Reconciles, in order: timeouts, exits, masters, worker count, retirement,
// waiting jobs, credit; then re-arms the timer. Re-entrant calls (from the
// handlers it triggers) are folded into the running one.
void RubyPool::Impl::step() {
  if (closing) return;
  if (in_step) return;
  in_step = true;
  const Millis t = now();
  std::optional<Millis> next;
  auto consider = [&next](Millis at) {
    if (!next || at < *next) next = at;
  };

  // Jobs past their timeout; workers that never became ready; exits that
  // did not settle.
  std::vector<PoolWorker*> to_finalize;
  for (auto& [slot, w] : workers) {
    if (w->state == WorkerState::busy && w->job) {
      if (t >= w->job->deadline) {
        ++counters.killed_past_timeout;
        log("job " + format_job_id(w->job->id) + " ran past its timeout of " +
            duration_text(w->job->timeout_ms) + ": killing worker pid " + std::to_string(w->pid));
        report(*w->job, Outcome::timed_out,
               "timed out after " + duration_text(w->job->timeout_ms) + " (worker killed)", {},
               w->rss_kb);
        w->job.reset();
        kill_worker(*w);
      } else {
        consider(w->job->deadline);
      }
    }
    if (w->kill_at != 0 && w->state == WorkerState::stopping) {
      if (t >= w->kill_at) {
        log("worker pid " + std::to_string(w->pid) + " still there after SIGTERM: killing it");
        kill_worker(*w);
      } else {
        consider(w->kill_at);
      }
    }
    if (w->state == WorkerState::starting) {
      if (t >= w->since + options.ready_timeout_ms) {
        log("worker " + std::to_string(slot) + " not ready after " +
            duration_text(options.ready_timeout_ms) + ": killing it");
        kill_worker(*w);
      } else {
        consider(w->since + options.ready_timeout_ms);
      }
    }
    if (w->state == WorkerState::exiting) {
      if (t >= w->since + kExitSettleMs) {
        to_finalize.push_back(w.get());
      } else {
        consider(w->since + kExitSettleMs);
      }
    }
  }
  if (!to_finalize.empty()) {
    // finalize() steps again, which finds the others.
    in_step = false;
    finalize(*to_finalize.front());
    return;
  }

  // Masters: restart a failed one; stop retired ones once their workers are gone.
  if (!master || master->state == MasterState::failed) {
    if (t >= master_restart_at) {
      in_step = false;
      start_master();
      in_step = true;
    } else {
      consider(master_restart_at);
    }
  }
  for (auto it = retired.begin(); it != retired.end();) {
    const std::uint64_t gen = (*it)->generation;
    bool in_use = std::any_of(workers.begin(), workers.end(),
                              [gen](const auto& e) { return e.second->master_generation == gen; });
    if (!in_use && master && master->state == MasterState::loaded) {
      retire_master(std::move(*it));
      it = retired.erase(it);
      log("reloaded (load " + std::to_string(master->generation) + ")");
    } else {
      ++it;
    }
  }

  const bool loaded = master && master->state == MasterState::loaded;
  if (loaded) {
    bool reloading = false;
    bool starting_current = false;
    for (const auto& [slot, w] : workers) {
      // Old workers flagged to go after their job need no new worker each.
      if (outdated(*w) && !w->retire_after_job && w->state != WorkerState::stopping &&
          w->state != WorkerState::exiting)
        reloading = true;
      if (w->state == WorkerState::starting && !outdated(*w)) starting_current = true;
    }
    if (reloading) {
      // One new worker at a time; each one ready retires an old one.
      if (!starting_current) spawn_worker();
    } else {
      while (count_live_current() < std::min(target, spec.max_workers)) {
        if (t < respawn_at) {
          consider(respawn_at);
          break;
        }
        std::size_t before = workers.size();
        spawn_worker();
        if (workers.size() == before) break;
      }
    }

    // Backlog: a lease waits and nothing is starting: grow by one.
    if (!held.empty() && count_idle() == 0 && !starting_current && !reloading &&
        target < spec.max_workers && count_live_current() >= target) {
      ++target;
      in_step = false;
      step();
      return;
    }

    // Idle too long: retire one while more than min remain.
    if (held.empty() && count_live_current() > spec.min_workers) {
      PoolWorker* oldest = nullptr;
      for (auto& [slot, w] : workers) {
        if (w->state == WorkerState::idle && !outdated(*w) && (!oldest || w->since < oldest->since))
          oldest = w.get();
      }
      if (oldest) {
        if (t >= oldest->since + options.idle_retire_ms) {
          target = std::max<std::uint32_t>(spec.min_workers,
                                           static_cast<std::uint32_t>(count_live_current() - 1));
          stop_worker(*oldest, "idle for " + duration_text(t - oldest->since));
        } else {
          consider(oldest->since + options.idle_retire_ms);
        }
      }
    }
  }

  // Waiting jobs to idle workers, current load first.
  while (!held.empty()) {
    PoolWorker* pick = nullptr;
    for (auto& [slot, w] : workers) {
      if (w->state != WorkerState::idle) continue;
      if (!pick || (outdated(*pick) && !outdated(*w))) pick = w.get();
    }
    if (!pick) break;
    HeldLease lease = std::move(held.front());
    held.pop_front();
    start_job(*pick, std::move(lease));
    if (pick->job) consider(pick->job->deadline);
  }
  // Workers spawned above must become ready in time.
  for (const auto& [slot, w] : workers)
    if (w->state == WorkerState::starting) consider(w->since + options.ready_timeout_ms);
  // Nothing can run them: the application does not load.
  if (!held.empty() && master && master->state == MasterState::failed && retired.empty() &&
      workers.empty()) {
    while (!held.empty()) {
      refuse(held.front().job, held.front().term,
             "pool " + spec.name + " cannot load its application: " + last_error);
      held.pop_front();
    }
  }

  if (std::optional<Millis> again = sync_credit()) consider(*again);
  notice_idle();
  in_step = false;
  if (timer) {
    if (next) {
      uv_timer_start(
          timer, [](uv_timer_t* h) noexcept { static_cast<Impl*>(h->data)->step(); },
          *next > t ? *next - t : 0, 0);
    } else {
      uv_timer_stop(timer);
    }
  }
}

PoolStatus RubyPool::Impl::status() const {
  PoolStatus s = counters;
  s.generation = spec.generation;
  s.last_error = last_error;
  s.target = target;
  s.waiting = held.size();
  if (!master) {
    s.master_state = closing ? "stopped" : "restarting";
  } else {
    switch (master->state) {
      case MasterState::loading:
        s.master_state = "loading";
        break;
      case MasterState::loaded:
        s.master_state = "loaded";
        break;
      case MasterState::failed:
        s.master_state = master->process ? "failed" : "restarting";
        break;
      case MasterState::retired:
        s.master_state = "retired";
        break;
    }
    s.master_pid = master->pid;
  }
  for (const auto& [slot, w] : workers) {
    PoolWorkerStatus ws;
    ws.slot = slot;
    ws.pid = w->pid;
    ws.state = worker_state_name(w->state);
    ws.job = w->job ? w->job->id : 0;
    ws.rss_kb = w->rss_kb;
    auto it = slot_restarts.find(slot);
    ws.restarts = it == slot_restarts.end() ? 0 : it->second;
    ws.outdated = outdated(*w);
    s.workers.push_back(std::move(ws));
  }
  return s;
}

}  // namespace desaster::ruby_pool
