// Runs shell jobs as child processes of the node, driven by the libuv loop.
//
// Each run is posix_spawn()ed in its own process group with stdout and
// stderr on one pipe, of which the last output_tail_bytes are kept. The
// timeout sends SIGTERM to the group, then SIGKILL after kill_grace_ms.
// Children are reaped with wait4() on SIGCHLD so every run reports its CPU
// time and peak RSS. A run reports once its process is reaped and its output
// reached EOF; a background process that keeps the output open gets 100 ms
// more, then the run reports without it. Background processes of a job that
// exited by itself are left running; those of a killed or timed-out job get
// SIGKILL with the group.
//
// Threading: loop thread only. Owns its children: close() kills what still runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <uv.h>

#include "core/model/shell_command.hpp"
#include "core/model/status.hpp"

namespace desaster {

struct ShellRunOptions {
  std::uint32_t timeout_ms = 0;  // 0: none
  std::uint32_t kill_grace_ms = 5'000;
  std::size_t output_tail_bytes = 64 * 1024;
};

struct ShellResult {
  bool succeeded = false;        // exited with status 0
  std::int32_t exit_status = 0;  // exit code, or 128 + signal number when killed by a signal
  bool timed_out = false;
  bool killed = false;  // by kill(), not by the timeout
  std::string output_tail;
  std::string error;  // why it failed, in words ("exit status 3", "timed out after 5000 ms", "spawn
                      // failed: ...")
  std::uint64_t cpu_ms = 0;  // user + system
  std::uint64_t max_rss_kb = 0;
  std::uint64_t wall_ms = 0;
};

class ShellRunner {
 public:
  using Done = std::function<void(std::uint64_t run_id, ShellResult result)>;

  explicit ShellRunner(uv_loop_t* loop);
  // Destroy after close() has completed. Destroyed earlier, the runner
  // SIGKILLs and reaps its children (blocking briefly), calls no more
  // callbacks, and its remaining memory is freed when the loop next runs.
  ~ShellRunner();

  // Starts a run; done is called exactly once, always from the loop (never
  // inside start()), also when spawning fails: then exit_status is 127 and
  // error "spawn failed: <strerror>". A run id that is still running is
  // refused the same way ("not started: ...").
  void start(std::uint64_t run_id, const ShellCommand& command, const ShellRunOptions& options,
             Done done);
  // SIGTERM to the run's process group, SIGKILL after its kill grace; the
  // result has killed set. Unknown or finished ids are ignored.
  void kill(std::uint64_t run_id);
  // Runs started whose done has not been called yet.
  std::size_t running() const;
  // (run id, pid) of every run whose process is spawned and not yet reaped;
  // the pid is also its process group. For the resource monitor.
  std::vector<std::pair<std::uint64_t, std::int64_t>> processes() const;
  // Kills what still runs as kill() does (SIGTERM, then SIGKILL after each
  // run's kill grace; their done callbacks still come), waits until every
  // child is reaped and every handle closed, then calls done from the loop.
  // The runner may be destroyed inside done.
  void close(std::function<void()> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace desaster
