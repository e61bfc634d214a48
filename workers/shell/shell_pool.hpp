// The node's own shell workers: one worker on the dispatch protocol with as
// many slots as the node's concurrency. It connects a DEALER to the master's
// dispatch ROUTER (the node's own in a standalone node: the same path a
// remote node's pool will take), registers, gets leases pushed, runs them
// with the ShellRunner and reports how each ended. A "cancel" push for a
// lease it runs stops that job (TERM to its process group, KILL after the
// grace), which is then reported killed. With limits set, a job whose
// process group stays over its memory or CPU limit past the limit grace is
// stopped the same way and reported failed, saying which limit.
//
// Threading: loop thread only. Owns its socket and runner.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <uv.h>
#include <zmq.hpp>

#include "core/model/job.hpp"
#include "core/model/status.hpp"
#include "transport/security/group_keys.hpp"
#include "workers/monitor/over_limit.hpp"

namespace desaster {

struct ShellPoolOptions {
  std::string endpoint;  // the master's dispatch ROUTER
  // The group's keys: the pool connects with CURVE, as every client does.
  const GroupKeys* keys = nullptr;
  std::string name = "shell";
  std::uint32_t slots = 1;
  std::size_t output_tail_bytes = 64 * 1024;
  // A job killed on request (a "cancel" push) or past its timeout gets
  // SIGTERM, then SIGKILL after this long.
  std::uint32_t kill_grace_ms = 10'000;
  // Each job's memory and CPU limits (none by default), judged from the
  // resource monitor's samples (on_sample).
  monitor::Limits limits;
  // Logs one line per event (pool registration, run failures).
  std::function<void(const std::string&)> log;
};

struct ShellLimitCounters {
  std::uint64_t killed_over_memory = 0;
  std::uint64_t killed_over_cpu = 0;
};

class ShellPool {
 public:
  ShellPool(uv_loop_t* loop, zmq::context_t& context, ShellPoolOptions options);
  ~ShellPool();

  Status start();
  std::size_t running() const;
  // (job id, pid of its process group leader) of the jobs running now.
  std::vector<std::pair<JobId, std::int64_t>> processes() const;
  // A resource sample of the job whose process group leader is `pid`.
  void on_sample(std::int64_t pid, double cpu_percent, std::uint64_t rss_kb, TimeMs now);
  const monitor::Limits& limits() const;
  ShellLimitCounters limit_counters() const;
  // Kills what still runs without reporting it (the node hands those jobs
  // back itself), closes the socket and every handle, then done.
  void close(std::function<void()> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace desaster
