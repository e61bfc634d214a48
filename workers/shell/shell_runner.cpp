// The shell runner: one Run per started job, driven by three kinds of libuv
// handle. Each run owns a uv_pipe_t on its output and a uv_timer_t (timeout,
// then kill grace, then the wait for output EOF); the runner owns one
// uv_signal_t on SIGCHLD, active only while a child of ours is unreaped.
//
// A run reports when its process has been reaped and its output reached EOF.
// A grandchild that keeps the pipe open after the job's process exited gets
// kOutputEofGraceMs, then the run reports anyway; the grandchild is left alone
// unless the run was killed or timed out (then the whole group gets SIGKILL).
#include "workers/shell/shell_runner.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <map>
#include <system_error>
#include <utility>
#include <vector>

#include "workers/shell/child_process.hpp"
#include "workers/shell/output_tail.hpp"
#include "workers/shell/run_outcome.hpp"

namespace desaster {

namespace {

constexpr std::uint64_t kOutputEofGraceMs = 100;
constexpr std::size_t kReadBufferBytes = 64 * 1024;

enum class TimerWaitsFor {
  nothing,
  report,      // a run that never started reports on the next loop turn, not inside start()
  timeout,     // then SIGTERM to the group
  kill_grace,  // then SIGKILL to the group
  output_eof,  // the process is reaped; a grandchild may still hold the pipe
};

}  // namespace

struct ShellRunner::Impl {
  struct Run {
    Impl* runner;
    std::uint64_t id;
    ShellRunOptions options;
    Done done;
    OutputTail tail;
    std::uint64_t started_ns;
    std::uint64_t ended_ns = 0;
    pid_t pid = -1;  // also the process group; -1 until spawned
    uv_pipe_t output{};
    uv_timer_t timer{};
    int open_handles = 0;
    TimerWaitsFor timer_waits_for = TimerWaitsFor::nothing;
    bool output_open = false;
    bool output_eof = false;
    bool term_sent = false;
    RunOutcome outcome;

    Run(Impl* owner, std::uint64_t run_id, const ShellRunOptions& run_options, Done on_done)
        : runner(owner),
          id(run_id),
          options(run_options),
          done(std::move(on_done)),
          tail(run_options.output_tail_bytes),
          started_ns(uv_hrtime()) {}
  };

  explicit Impl(uv_loop_t* event_loop) : loop(event_loop) {
    uv_signal_init(loop, &sigchld);
    sigchld.data = this;
  }

  uv_loop_t* loop;
  uv_signal_t sigchld{};
  std::map<std::uint64_t, Run*> runs;  // started and not yet reported
  std::size_t live_runs = 0;           // allocated Runs, reported or not, until their handles close
  std::size_t unreaped = 0;
  bool closing = false;
  bool sigchld_closing = false;
  bool sigchld_closed = false;
  bool detached = false;  // the ShellRunner is gone: no more callbacks, free on the last close
  std::function<void()> close_done;
  std::array<char, kReadBufferBytes> read_buffer{};

  void start(std::uint64_t id, const ShellCommand& command, const ShellRunOptions& options,
             Done done);
  void kill(std::uint64_t id, const char* reason);
  void close(std::function<void()> done);
  void destroy();

  void open_output(Run& run, int fd);
  void not_started(Run& run, std::string why);
  void arm(Run& run, TimerWaitsFor what, std::uint64_t ms);
  void terminate(Run& run);
  static void signal_group(const Run& run, int signal);
  bool try_reap(Run& run);
  void after_reap(Run& run);
  void reap_children();
  void finish(Run& run);
  void close_handles(Run& run);
  void maybe_complete_close();

  static void on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_timer(uv_timer_t* timer) noexcept;
  static void on_sigchld(uv_signal_t* signal, int) noexcept;
  static void on_run_handle_closed(uv_handle_t* handle) noexcept;
  static void on_sigchld_closed(uv_handle_t* handle) noexcept;
};

void ShellRunner::Impl::start(std::uint64_t id, const ShellCommand& command,
                              const ShellRunOptions& options, Done done) {
  auto* run = new Run(this, id, options, std::move(done));
  ++live_runs;
  uv_timer_init(loop, &run->timer);
  run->timer.data = run;
  run->open_handles = 1;
  if (closing) return not_started(*run, "not started: the runner is closing");
  if (runs.count(id) != 0) {
    return not_started(*run, "not started: run id " + std::to_string(id) + " is already running");
  }
  runs.emplace(id, run);
  // The watcher goes up before the child exists, so its SIGCHLD cannot be missed.
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&sigchld))) {
    if (int error = uv_signal_start(&sigchld, on_sigchld, SIGCHLD)) {
      return not_started(*run,
                         std::string("not started: cannot watch SIGCHLD: ") + uv_strerror(error));
    }
  }
  SpawnedChild child;
  if (int error = spawn_child(command, child)) {
    if (unreaped == 0) uv_signal_stop(&sigchld);
    return not_started(*run, "spawn failed: " + std::generic_category().message(error));
  }
  run->pid = child.pid;
  ++unreaped;
  open_output(*run, child.output_fd);
  if (options.timeout_ms > 0) arm(*run, TimerWaitsFor::timeout, options.timeout_ms);
  // Belt and braces: a child that is already gone is noticed now, but its
  // report still waits for the loop (done is never called inside start()).
  if (try_reap(*run)) {
    arm(*run, run->output_eof ? TimerWaitsFor::report : TimerWaitsFor::output_eof,
        run->output_eof ? 0 : kOutputEofGraceMs);
  }
}

// Takes ownership of fd. Should libuv refuse it, the run goes on without
// output rather than failing a job that is already running.
void ShellRunner::Impl::open_output(Run& run, int fd) {
  uv_pipe_init(loop, &run.output, 0);
  run.output.data = &run;
  run.output_open = true;
  ++run.open_handles;
  auto* stream = reinterpret_cast<uv_stream_t*>(&run.output);
  if (uv_pipe_open(&run.output, fd) != 0) {
    ::close(fd);
    run.output_eof = true;
  } else if (uv_read_start(stream, on_alloc, on_read) != 0) {
    run.output_eof = true;
  }
}

void ShellRunner::Impl::not_started(Run& run, std::string why) {
  run.outcome.not_started = std::move(why);
  arm(run, TimerWaitsFor::report, 0);
}

void ShellRunner::Impl::arm(Run& run, TimerWaitsFor what, std::uint64_t ms) {
  run.timer_waits_for = what;
  uv_timer_start(&run.timer, on_timer, ms, 0);
}

void ShellRunner::Impl::kill(std::uint64_t id, const char* reason) {
  auto found = runs.find(id);
  if (found == runs.end()) return;
  Run& run = *found->second;
  if (run.pid < 0 || run.outcome.reaped || run.term_sent) return;
  run.outcome.killed = true;
  run.outcome.kill_reason = reason;
  terminate(run);
}

void ShellRunner::Impl::terminate(Run& run) {
  if (run.pid < 0 || run.outcome.reaped || run.term_sent) return;
  run.term_sent = true;
  signal_group(run, SIGTERM);
  // A stopped job would hold SIGTERM pending forever.
  signal_group(run, SIGCONT);
  if (run.options.kill_grace_ms == 0) {
    signal_group(run, SIGKILL);
    uv_timer_stop(&run.timer);
    run.timer_waits_for = TimerWaitsFor::nothing;
  } else {
    arm(run, TimerWaitsFor::kill_grace, run.options.kill_grace_ms);
  }
}

// Only while the leader is unreaped: until then its pid cannot be reused, so
// the group id still names this job.
void ShellRunner::Impl::signal_group(const Run& run, int signal) {
  if (run.pid < 0 || run.outcome.reaped) return;
  // A job that moved itself to another group is at least signalled itself.
  if (::kill(-run.pid, signal) != 0 && errno == ESRCH) ::kill(run.pid, signal);
}

// Reaps the run's process if it has exited; true when it did now.
bool ShellRunner::Impl::try_reap(Run& run) {
  RunOutcome& outcome = run.outcome;
  if (run.pid < 0 || outcome.reaped) return false;
  const ReapResult reaped =
      reap_child(run.pid, outcome.killed || outcome.timed_out, outcome.wait_status, outcome.usage);
  if (reaped == ReapResult::running) return false;
  outcome.status_lost = reaped == ReapResult::lost;
  outcome.reaped = true;
  run.ended_ns = uv_hrtime();
  if (--unreaped == 0) uv_signal_stop(&sigchld);
  return true;
}

void ShellRunner::Impl::after_reap(Run& run) {
  if (run.output_eof) return finish(run);
  arm(run, TimerWaitsFor::output_eof, kOutputEofGraceMs);
}

// SIGCHLD says that some child changed state, not which, and signals merge:
// every unreaped run of ours is asked. Never waitpid(-1): other code in the
// process may own children.
void ShellRunner::Impl::reap_children() {
  std::vector<std::uint64_t> ids;
  for (const auto& [id, run] : runs) {
    if (run->pid >= 0 && !run->outcome.reaped) ids.push_back(id);
  }
  for (std::uint64_t id : ids) {
    // A done callback may have started, killed or closed anything: look again.
    auto found = runs.find(id);
    if (found == runs.end()) continue;
    Run& run = *found->second;
    if (!try_reap(run)) continue;
    after_reap(run);
    if (detached) return;
  }
}

// Reports the run and starts closing its handles. The done callback comes
// last: it may start runs, close the runner or destroy it.
void ShellRunner::Impl::finish(Run& run) {
  auto found = runs.find(run.id);
  if (found != runs.end() && found->second == &run) runs.erase(found);
  ShellResult result = shell_result_from(run.outcome, run.options.timeout_ms);
  result.output_tail = run.tail.str();
  const std::uint64_t ended_ns = run.ended_ns != 0 ? run.ended_ns : uv_hrtime();
  result.wall_ms = (ended_ns - run.started_ns) / 1'000'000;
  Done done = std::move(run.done);
  const std::uint64_t id = run.id;
  close_handles(run);
  if (!detached && done) done(id, std::move(result));
}

void ShellRunner::Impl::close_handles(Run& run) {
  run.timer_waits_for = TimerWaitsFor::nothing;
  uv_timer_stop(&run.timer);
  uv_close(reinterpret_cast<uv_handle_t*>(&run.timer), on_run_handle_closed);
  if (run.output_open) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&run.output));
    uv_close(reinterpret_cast<uv_handle_t*>(&run.output), on_run_handle_closed);
  }
}

// Once every run is gone the SIGCHLD handle closes last; its close callback
// completes close() (or frees a detached runner).
void ShellRunner::Impl::maybe_complete_close() {
  if (!(closing || detached) || live_runs != 0 || sigchld_closing) return;
  sigchld_closing = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&sigchld), on_sigchld_closed);
}

void ShellRunner::Impl::close(std::function<void()> done) {
  if (closing) return;
  closing = true;
  close_done = std::move(done);
  std::vector<std::uint64_t> ids;
  for (const auto& entry : runs) ids.push_back(entry.first);
  for (std::uint64_t id : ids) kill(id, "killed: the runner is closing");
  maybe_complete_close();
}

// The ShellRunner is being destroyed. After a completed close() there is
// nothing left; otherwise the children are killed and reaped here, blocking
// (SIGKILL makes that short), and the handles free the Impl when they close.
void ShellRunner::Impl::destroy() {
  if (sigchld_closed) {
    delete this;
    return;
  }
  detached = true;
  for (auto& [id, run] : runs) {
    run->done = nullptr;
    if (run->pid >= 0 && !run->outcome.reaped) {
      ::kill(-run->pid, SIGKILL);
      ::kill(run->pid, SIGKILL);
      while (waitpid(run->pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      run->outcome.reaped = true;
    }
    close_handles(*run);
  }
  runs.clear();
  uv_signal_stop(&sigchld);
  maybe_complete_close();
}

void ShellRunner::Impl::on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) noexcept {
  // One buffer serves every run: on_read consumes it before the loop reads again.
  Impl* self = static_cast<Run*>(handle->data)->runner;
  *buf = uv_buf_init(self->read_buffer.data(), static_cast<unsigned>(self->read_buffer.size()));
}

void ShellRunner::Impl::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* run = static_cast<Run*>(stream->data);
  if (nread > 0) {
    run->tail.append({buf->base, static_cast<std::size_t>(nread)});
    return;
  }
  if (nread == 0) return;  // EAGAIN
  // EOF or a read error: either way no more output will come.
  uv_read_stop(stream);
  run->output_eof = true;
  if (run->outcome.reaped) run->runner->finish(*run);
}

void ShellRunner::Impl::on_timer(uv_timer_t* timer) noexcept {
  auto* run = static_cast<Run*>(timer->data);
  Impl* self = run->runner;
  switch (run->timer_waits_for) {
    case TimerWaitsFor::nothing:
      return;
    case TimerWaitsFor::report:
    case TimerWaitsFor::output_eof:
      return self->finish(*run);
    case TimerWaitsFor::timeout:
      run->outcome.timed_out = true;
      return self->terminate(*run);
    case TimerWaitsFor::kill_grace:
      run->timer_waits_for = TimerWaitsFor::nothing;
      return signal_group(*run, SIGKILL);
  }
}

void ShellRunner::Impl::on_sigchld(uv_signal_t* signal, int) noexcept {
  static_cast<Impl*>(signal->data)->reap_children();
}

void ShellRunner::Impl::on_run_handle_closed(uv_handle_t* handle) noexcept {
  auto* run = static_cast<Run*>(handle->data);
  if (--run->open_handles > 0) return;
  Impl* self = run->runner;
  delete run;
  --self->live_runs;
  self->maybe_complete_close();
}

void ShellRunner::Impl::on_sigchld_closed(uv_handle_t* handle) noexcept {
  auto* self = static_cast<Impl*>(handle->data);
  self->sigchld_closed = true;
  if (self->detached) {
    delete self;
    return;
  }
  // Last: the callback may destroy the ShellRunner.
  std::function<void()> done = std::move(self->close_done);
  if (done) done();
}

ShellRunner::ShellRunner(uv_loop_t* loop) : impl_(std::make_unique<Impl>(loop)) {}

ShellRunner::~ShellRunner() {
  if (impl_) impl_.release()->destroy();
}

void ShellRunner::start(std::uint64_t run_id, const ShellCommand& command,
                        const ShellRunOptions& options, Done done) {
  impl_->start(run_id, command, options, std::move(done));
}

void ShellRunner::kill(std::uint64_t run_id) {
  impl_->kill(run_id, "killed on request");
}

std::size_t ShellRunner::running() const {
  return impl_->runs.size();
}

std::vector<std::pair<std::uint64_t, std::int64_t>> ShellRunner::processes() const {
  std::vector<std::pair<std::uint64_t, std::int64_t>> out;
  for (const auto& [id, run] : impl_->runs) {
    if (run->pid >= 0 && !run->outcome.reaped) out.emplace_back(id, run->pid);
  }
  return out;
}

void ShellRunner::close(std::function<void()> done) {
  impl_->close(std::move(done));
}

}  // namespace desaster
