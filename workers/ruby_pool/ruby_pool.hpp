// One Ruby pool on this node: its master process(es), its workers and its
// registration with the dispatcher. The pool is a dispatch consumer like the
// shell pool: a DEALER to the master's dispatch ROUTER, registered as a
// worker serving the pool's queues with kinds ruby (and http with a rackup);
// its credit is the number of jobs it can start now. Leases go to idle
// Ruby workers as `job` frames; `done` becomes a report.
//
// Supervision (all in the node's loop, one timer re-armed to the next
// deadline): a worker that dies is replaced with backoff (100 ms doubling to
// 10 s, reset by a finished job) and its job reported failed; a job past its
// timeout gets its worker SIGKILLed and is reported timed out; a worker over
// the memory limit after a job is stopped and replaced. The pool keeps
// between min and max workers: it asks for one job more than it has idle
// workers while it may grow, so a lease it cannot start at once is the sign
// of a backlog and starts a worker; a worker idle for idle_retire_ms goes
// while more than min are left. A reload starts a new master and, once it
// has loaded, replaces the workers one by one (a new one ready, then an old
// one stopped when idle); then the old master is stopped. A "cancel" push
// for a lease it holds reports the job killed at once; a job still waiting
// for a worker is dropped, a running one has its worker terminated (TERM,
// then KILL after the grace) and replaced.
//
// Threading: loop thread only. Owns its socket, processes and handles.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <uv.h>
#include <zmq.hpp>

#include "core/model/job.hpp"
#include "core/model/pool_spec.hpp"
#include "core/model/status.hpp"
#include "transport/security/group_keys.hpp"
#include "workers/ruby_pool/pool_frames.hpp"

namespace desaster::ruby_pool {

struct RubyPoolOptions {
  std::string endpoint;             // the master's dispatch ROUTER
  const GroupKeys* keys = nullptr;  // the group's keys: the pool connects with CURVE
  std::string node_tag;             // short node id, for the worker's registered name
  std::string ruby = "ruby";
  std::string gem_dir;  // workers/ruby: lib/ and bin/desaster-pool
  // NAME=VALUE for the masters' environment: the node's client URL and group
  // key, so jobs (ActiveJob's retry_on, a job enqueueing another) reach it.
  std::vector<std::string> env;
  std::function<void(const std::string&)> log;
  std::uint64_t idle_retire_ms = 10'000;
  std::uint64_t backoff_min_ms = 100;
  std::uint64_t backoff_max_ms = 10'000;
  std::uint64_t ready_timeout_ms = 60'000;  // spawn sent, no `ready`: the worker is killed
  // A worker whose job is cancelled (killed or relocated) gets SIGTERM, then
  // SIGKILL after this long, and is replaced.
  std::uint64_t kill_grace_ms = 10'000;
  // Called (from the loop, outside the pool's own step) when a worker is
  // idle with no lease waiting: a transient job may start now.
  std::function<void()> on_worker_idle;
};

// How a transient job ended. A transient job (an HTTP request the front end
// hands over directly) is never leased, reported or journaled: it takes an
// idle worker at once and its end goes only to its callback.
struct TransientEnd {
  Outcome outcome = Outcome::failed;
  bool worker_lost = false;  // its worker died (or the pool stopped) mid-job
  bool not_started = false;  // and it had not begun: it may run anywhere, even a POST
  std::string error;         // "Class: message", "worker died: signal 9", ...
  std::string output;        // a failed job's backtrace
  // An http job's Rack reply as the worker sent it: passed on, not packed
  // into output and decoded again (the front end checks it).
  std::optional<RackReply> reply;
  std::uint32_t worker_slot = 0;
  std::int64_t worker_pid = 0;
};
using TransientDone = std::function<void(TransientEnd)>;

struct PoolWorkerStatus {
  std::uint32_t slot = 0;
  std::int64_t pid = 0;
  std::string state;  // starting, idle, busy, stopping, exiting
  JobId job = 0;
  std::uint64_t rss_kb = 0;
  std::uint32_t restarts = 0;  // of its slot
  bool outdated = false;       // runs an older load of the app (during a reload)
};

struct PoolStatus {
  std::string master_state;  // loading, loaded, failed, restarting, stopped
  std::int64_t master_pid = 0;
  std::uint64_t generation = 0;  // of the spec the pool runs
  std::string last_error;
  std::uint32_t target = 0;  // workers it wants now, between min and max
  std::size_t waiting = 0;   // leased jobs waiting for a worker
  std::vector<PoolWorkerStatus> workers;
  std::uint64_t spawned = 0;
  std::uint64_t died = 0;
  std::uint64_t killed_past_timeout = 0;
  std::uint64_t replaced_over_memory = 0;
  std::uint64_t jobs_done = 0;
  std::uint64_t replaced_over_cpu = 0;
  std::uint64_t killed_over_cpu = 0;
  std::uint64_t killed_over_memory = 0;  // killed mid-job past the grace
};

class RubyPool {
 public:
  RubyPool(uv_loop_t* loop, zmq::context_t& context, PoolSpec spec, RubyPoolOptions options);
  ~RubyPool();
  RubyPool(const RubyPool&) = delete;
  RubyPool& operator=(const RubyPool&) = delete;

  Status start();
  // Loads the application again (with spec's settings) and replaces the
  // workers one by one; no job is lost.
  void reload(PoolSpec spec);
  const PoolSpec& spec() const;
  PoolStatus status() const;
  // The resource monitor's sample of one of this pool's processes (CPU in
  // percent of one CPU, RSS); enforces the spec's limits (pool_limits.cpp).
  void on_sample(std::int64_t pid, double cpu_percent, std::uint64_t rss_kb);
  // Starts a transient job on an idle worker now; false (done not called)
  // when none is idle or the pool is closing. Otherwise done runs exactly
  // once: at once if the job cannot be encoded for a worker, else later from
  // the loop, when the worker answers, dies, passes the job's timeout_ms, or
  // the pool closes.
  // A short request (see kPipelineMaxUs) may also go to a busy worker,
  // behind the one it runs.
  bool run_transient(Job job, TransientDone done);
  std::size_t idle_workers() const;
  // Idle workers and busy ones that take a transient job behind theirs.
  std::size_t transient_slots() const;
  // Stops everything; busy workers are killed without a report (the node
  // hands their jobs back). done runs once every handle is closed.
  void close(std::function<void()> done);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace desaster::ruby_pool
