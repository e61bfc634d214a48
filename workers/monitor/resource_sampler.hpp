// Reads /proc once a second for the resource monitor: node CPU (from
// /proc/stat deltas), memory, load average, and CPU % and RSS of the
// processes the node runs jobs in. Parsing is proc_parsers' (pure); this
// class only reads files and keeps the previous counters a percentage needs.
//
// /proc files live in memory, so reading them on the loop thread does not
// wait for a disk; each is a few hundred bytes.
//
// Threading: one thread (the loop's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/job.hpp"
#include "workers/monitor/proc_parsers.hpp"
#include "workers/monitor/resource_history.hpp"

namespace desaster::monitor {

// A process the node runs work in, as its owner reports it.
struct TrackedProcess {
  std::int64_t pid = 0;
  std::string pool;  // "shell", or the Ruby pool's name
  std::string role;  // "job" (a shell job's group leader), "master", "worker"
  JobId job = 0;     // 0: idle
};

struct WorkerSample {
  TrackedProcess process;
  double cpu_percent = 0;  // of one CPU; 0 on the first sample of a process
  std::uint64_t rss_kb = 0;
};

struct Reading {
  NodeSample node;
  std::vector<WorkerSample> workers;  // processes gone meanwhile are left out
  std::string error;                  // the first node-wide file that failed, if any
};

class ResourceSampler {
 public:
  // proc_root: "/proc", or a directory laid out like it (tests).
  explicit ResourceSampler(std::string proc_root = "/proc");

  Reading sample(TimeMs now, const std::vector<TrackedProcess>& processes);

 private:
  struct Previous {
    std::uint64_t ticks = 0;
    std::uint64_t starttime = 0;  // a new starttime under the same pid is another process
    TimeMs at = 0;
  };

  std::string proc_root_;
  std::uint64_t ticks_per_second_;
  std::optional<CpuTimes> last_cpu_;
  std::unordered_map<std::int64_t, Previous> previous_;
};

// The whole file, or nothing when it cannot be read (at most 1 MiB).
std::optional<std::string> read_small_file(const std::string& path);

}  // namespace desaster::monitor
