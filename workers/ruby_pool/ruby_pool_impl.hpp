// Internal to workers/ruby_pool: the data behind RubyPool. ruby_pool.cpp
// holds its lifecycle, the dispatch side and the master's events;
// pool_supervision.cpp the workers' events and step(), which reconciles
// what runs with what should (spawns, retirements, credit) and re-arms the
// one timer to the next deadline.
#pragma once

#include <sys/types.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>

#include "transport/loop/report_batch.hpp"
#include "transport/loop/zmq_watcher.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/replies.hpp"
#include "workers/monitor/over_limit.hpp"
#include "workers/ruby_pool/pool_master.hpp"
#include "workers/ruby_pool/ruby_pool.hpp"
#include "workers/ruby_pool/worker_link.hpp"

namespace desaster::ruby_pool {

// Times are uv_now() milliseconds.
using Millis = std::uint64_t;

// How long credit may exceed the idle workers before it is withdrawn: a
// short request ends within it and costs no message (at thousands of
// requests a second a message each way would cost more than the request),
// a long one stops the leader sending work here.
inline constexpr Millis kWithdrawDelayMs = 10;

// A transient (HTTP) request may be sent to a busy worker, behind the one it
// runs, while the pool's requests take at most this long on average: the
// worker then reads it without waiting for the node's next loop turn (and
// sleeps and wakes once less), at the price of waiting behind one short
// request even if another worker frees first. Longer requests (a Rails app's
// usual tens of milliseconds) only ever go to idle workers.
inline constexpr std::uint64_t kPipelineMaxUs = 5'000;

// While the pool's cluster jobs take at most this long on average, it asks
// for one lease ahead per worker: a worker that finishes starts the next job
// at once instead of waiting a round trip through the dispatcher (at a
// no-op job's ~100 µs that round trip is most of the time). Longer jobs get
// none: a job held behind a long one would wait while another node's worker
// is free. Pools taking HTTP requests get none either, as a request never
// waits behind held leases (run_transient).
inline constexpr std::uint64_t kLeaseAheadMaxUs = 5'000;

enum class WorkerState {
  starting,  // spawn sent, waiting for `ready`
  idle,      // waiting for a job
  busy,      // running a job, waiting for `done`
  stopping,  // `stop` sent, waiting for it to exit
  exiting,   // its channel closed or the master reported it reaped: waiting for the other
};

enum class MasterState {
  loading,  // started, waiting for `loaded`
  loaded,   // forks workers on request
  failed,   // `load_failed`, or died before loading
  retired,  // an older load: stopped once its workers are gone
};

struct RunningJob {
  JobId id = 0;
  std::uint64_t term = 0;
  std::uint32_t attempt = 0;
  Millis deadline = 0;
  std::uint32_t timeout_ms = 0;
  JobKind kind = JobKind::ruby;
  bool transient = false;        // started by run_transient: its end goes to transients
  bool lost = false;             // its worker died mid-job
  bool not_started = false;      // pipelined behind a job whose worker died: it never ran
  std::uint64_t started_ns = 0;  // uv_hrtime() when it began to run
  std::uint32_t slot = 0;
  pid_t pid = 0;
};

struct PoolWorker {
  std::uint32_t slot = 0;
  std::uint64_t master_generation = 0;  // which master forked it
  pid_t pid = 0;
  WorkerState state = WorkerState::starting;
  std::unique_ptr<WorkerLink> link;
  std::optional<RunningJob> job;
  // A transient job sent behind job (already in the worker's channel): it
  // becomes job when job ends. Only behind a transient job.
  std::optional<RunningJob> next;
  Millis since = 0;  // entered its state
  std::uint64_t rss_kb = 0;
  bool retire_after_job = false;
  monitor::LimitMark over_limit;  // first sample over a limit (pool_limits.cpp)
  bool stop_expected = false;     // stopped or killed by us: not a crash
  bool channel_closed = false;
  bool reaped = false;
  Millis kill_at = 0;  // terminated by a cancel: SIGKILL at this time if still there
  std::optional<std::int32_t> exit_status;
  std::optional<std::int32_t> exit_signal;
};

struct MasterRecord {
  std::unique_ptr<PoolMaster> process;
  std::uint64_t generation = 0;
  MasterState state = MasterState::loading;
  pid_t pid = 0;
};

struct HeldLease {
  Job job;
  std::uint64_t term = 0;
};

struct RubyPool::Impl {
  uv_loop_t* loop;
  zmq::context_t& context;
  PoolSpec spec;
  RubyPoolOptions options;

  std::optional<zmq::socket_t> socket;
  std::unique_ptr<ZmqWatcher> watcher;
  uv_timer_t* timer = nullptr;      // step deadlines; freed in its close callback
  uv_timer_t* heartbeat = nullptr;  // freed in its close callback
  std::uint64_t next_request_id = 1;
  std::uint64_t hello_request = 0;  // the hello's request id: its answer says batch
  bool node_takes_reports = false;  // the node's "worker" answer said batch
  // This loop turn's reports, sent together (when the node takes "reports").
  std::unique_ptr<ReportBatch> reports;
  double job_us = 0;           // moving average of a cluster job's run time
  std::uint64_t job_runs = 0;  // how many the average has seen
  std::uint64_t credit = 0;    // free slots the dispatcher believes we have
  Millis withdraw_at = 0;      // credit exceeds what we can take: withdraw then
  std::vector<std::string> registered_queues;
  std::vector<JobKind> registered_kinds;

  std::unique_ptr<MasterRecord> master;                // the current load
  std::vector<std::unique_ptr<MasterRecord>> retired;  // older loads winding down
  std::uint64_t master_generations = 0;
  Millis master_restart_at = 0;  // when no master runs: when to start one
  Millis master_backoff = 0;

  std::map<std::uint32_t, std::unique_ptr<PoolWorker>> workers;  // by slot
  std::map<std::uint32_t, std::uint32_t> slot_restarts;
  std::deque<HeldLease> held;                 // leased, waiting for an idle worker
  std::map<JobId, TransientDone> transients;  // running transient jobs' callbacks
  bool idle_notice_pending = false;
  uv_idle_t* idle_notice = nullptr;  // runs on_worker_idle after the step
  std::uint32_t target = 0;
  Millis respawn_at = 0;
  Millis backoff = 0;
  std::string last_error;
  PoolStatus counters;
  bool closing = false;
  bool in_step = false;
  double transient_us = 0;           // moving average of a transient job's run time
  std::uint64_t transient_runs = 0;  // how many the average has seen

  Impl(uv_loop_t* l, zmq::context_t& c, PoolSpec s, RubyPoolOptions o);

  void log(const std::string& line) const;
  Millis now() const { return uv_now(loop); }

  // ruby_pool.cpp
  Status connect();
  void send(protocol::RequestBody body);
  void on_dispatch_message(std::vector<zmq::message_t>& parts);
  void on_lease(Job job, std::uint64_t term);
  void on_leases(protocol::LeasesPush push);
  // Leases asked for beyond the workers that can take one now (kLeaseAheadMaxUs).
  std::uint64_t lease_ahead() const;
  void report(const RunningJob& job, Outcome outcome, std::string error, std::string output,
              std::uint64_t rss_kb);
  void end_transient(const RunningJob& job, Outcome outcome, std::string error, std::string output,
                     std::optional<RackReply> reply = std::nullopt);
  void notice_idle();
  void refuse(const Job& job, std::uint64_t term, const std::string& error);
  // Returns when to look again: a withdrawal waits kWithdrawDelayMs.
  std::optional<Millis> sync_credit();
  void start_master();
  void on_master_message(MasterRecord& record, MasterMessage message);
  void on_master_gone(MasterRecord& record, const std::string& why);
  void retire_master(std::unique_ptr<MasterRecord> record);
  void reload(PoolSpec new_spec);

  // pool_cancel.cpp
  void cancel(const protocol::CancelPush& push);
  void terminate_worker(PoolWorker& worker, const std::string& why);

  // pool_supervision.cpp
  void step();
  void spawn_worker();
  void on_worker_message(PoolWorker& worker, WorkerMessage message);
  void on_ready(PoolWorker& worker, const WorkerReady& ready);
  void on_done(PoolWorker& worker, WorkerDone& done);
  void on_worker_gone(PoolWorker& worker, const std::string& why);
  void on_worker_exited(const MasterExited& exited);
  void finalize(PoolWorker& worker);
  void stop_worker(PoolWorker& worker, const std::string& why);
  // pool_limits.cpp
  void on_sample(PoolWorker& worker, double cpu_percent, std::uint64_t rss_kb);
  void kill_worker(PoolWorker& worker);
  void start_job(PoolWorker& worker, HeldLease lease);
  // The job as a worker frame is message (encoded once by the caller).
  void start_encoded(PoolWorker& worker, HeldLease lease, std::string message);
  // A busy worker that may take a transient job behind its own (kPipelineMaxUs).
  PoolWorker* pipeline_slot() const;
  void note_transient_run(const RunningJob& job);
  void note_job_run(const RunningJob& job);
  PoolWorker* find_worker(pid_t pid);
  bool outdated(const PoolWorker& worker) const;
  std::size_t count_live_current() const;
  std::size_t count_idle() const;
  PoolStatus status() const;
};

std::string worker_state_name(WorkerState state);

}  // namespace desaster::ruby_pool
