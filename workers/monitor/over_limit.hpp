// Memory and CPU limits of the processes a pool runs jobs in, judged from
// the resource monitor's once-a-second samples. One rule for the shell pool
// and Ruby pools alike: a process first sampled over a limit is marked (a
// Ruby pool replaces the worker after its current job, or at once when it
// is idle); one still over a limit grace_ms after it was marked is killed
// and its job failed. A mark stays once made: a Ruby worker that went over
// once is replaced even if it came back under, as its next job would start
// from that heap.
//
// Pure: samples and times in, verdicts out; the caller keeps the mark with
// the process it belongs to.
#pragma once

#include <cstdint>
#include <string>

#include "core/model/job.hpp"

namespace desaster::monitor {

struct Limits {
  std::uint32_t memory_mb = 0;    // resident set (a shell job's whole process group); 0: none
  std::uint32_t cpu_percent = 0;  // of one CPU; 0: none
  std::uint32_t grace_ms = 30'000;
  bool any() const { return memory_mb != 0 || cpu_percent != 0; }
};

enum class LimitKind { memory, cpu };

// Set on a process's first sample over a limit, and kept.
struct LimitMark {
  bool set = false;
  TimeMs since = 0;
  LimitKind kind = LimitKind::memory;
};

enum class LimitVerdict {
  within,       // under every limit, never marked
  first_over,   // over a limit for the first time: marked now
  still_over,   // marked, over again, within the grace
  under_again,  // marked earlier, under every limit now
  past_grace,   // marked grace_ms ago or more and over again: kill it
};

struct LimitCheck {
  LimitVerdict verdict = LimitVerdict::within;
  LimitKind kind = LimitKind::memory;  // which limit, when over
  std::string over;                    // "612 MiB, limit 512 MiB" or "180 % CPU, limit 100 %"
};

// One sample of one process against the limits; updates its mark.
LimitCheck judge_sample(const Limits& limits, LimitMark& mark, double cpu_percent,
                        std::uint64_t rss_kb, TimeMs now);

const char* limit_name(LimitKind kind);  // "memory" or "CPU"

}  // namespace desaster::monitor
