// Pure parsers of the /proc files the resource monitor samples: text in,
// numbers out, no file access (the sampler reads, these parse), so captured
// files and malformed text can be tested and fuzzed. Each returns an error
// that names the file and what was wrong, never throws, and accepts only
// what the kernel documents in proc(5); fields it does not need are skipped
// but must still be present where a later field depends on their position.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/status.hpp"

namespace desaster::monitor {

// The aggregate "cpu" line of /proc/stat, in clock ticks. idle includes
// iowait; total is the sum of every field up to steal (guest time is already
// counted in user and nice).
struct CpuTimes {
  std::uint64_t total = 0;
  std::uint64_t idle = 0;
};
Result<CpuTimes> parse_proc_stat(std::string_view text);

// /proc/PID/stat: "pid (comm) state ppid pgrp ... utime stime ... starttime ...".
// comm may hold spaces and parentheses, so it ends at the last ')'.
struct ProcessStat {
  std::int64_t pid = 0;
  std::string comm;
  char state = '?';
  std::int64_t ppid = 0;
  std::int64_t pgrp = 0;
  std::uint64_t utime = 0;      // ticks
  std::uint64_t stime = 0;      // ticks
  std::uint64_t starttime = 0;  // ticks after boot: tells a reused pid apart
};
Result<ProcessStat> parse_pid_stat(std::string_view text);

// VmRSS of /proc/PID/status in kB; a process without memory (a zombie, a
// kernel thread) has no VmRSS line and gives 0.
Result<std::uint64_t> parse_status_rss_kb(std::string_view text);

// /proc/meminfo: MemTotal and MemAvailable (or, on kernels before 3.14,
// MemFree + Buffers + Cached), in kB.
struct MemInfo {
  std::uint64_t total_kb = 0;
  std::uint64_t available_kb = 0;
  std::uint64_t used_kb() const { return total_kb > available_kb ? total_kb - available_kb : 0; }
};
Result<MemInfo> parse_meminfo(std::string_view text);

// The three load averages of /proc/loadavg.
struct LoadAverage {
  double one = 0;
  double five = 0;
  double fifteen = 0;
};
Result<LoadAverage> parse_loadavg(std::string_view text);

// Busy share of all CPUs between two /proc/stat readings, 0..100; 0 when
// the counters did not move or went backwards.
double node_cpu_percent(const CpuTimes& before, const CpuTimes& after);
// One process's CPU between two readings of its utime + stime, in percent
// of one CPU (so a process busy on two cores shows 200).
double process_cpu_percent(std::uint64_t ticks_before, std::uint64_t ticks_after,
                           std::uint64_t elapsed_ms, std::uint64_t ticks_per_second);

}  // namespace desaster::monitor
