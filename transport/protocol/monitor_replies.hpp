// Reply bodies of the "resources" and "blacklist" requests
// (monitor_messages.hpp); codec in reply_bodies_monitor.cpp. Included by
// replies.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model/job.hpp"
#include "core/model/status.hpp"

namespace desaster::protocol {

// The node's latest sample: {at, cpu_percent, mem_used_kb, mem_total_kb,
// load1, load5, load15}.
struct NodeResources {
  TimeMs at = 0;
  double cpu_percent = 0;  // all CPUs, 0..100
  std::uint64_t mem_used_kb = 0;
  std::uint64_t mem_total_kb = 0;
  double load1 = 0;
  double load5 = 0;
  double load15 = 0;
};

// One process a pool runs work in: {pid, pool, role, job, cpu_percent, rss_kb}.
struct WorkerResources {
  std::int64_t pid = 0;
  std::string pool;        // "shell" or a Ruby pool's name
  std::string role;        // job (a shell job's process group leader), master, worker
  JobId job = 0;           // 0: idle
  double cpu_percent = 0;  // of one CPU
  std::uint64_t rss_kb = 0;
};

// A 1 s or 1 min point of the history: {at, samples, cpu, cpu_max, mem_kb,
// mem_max_kb, load1, load1_max} (means and maxima over the period).
struct ResourcePoint {
  TimeMs at = 0;
  std::uint32_t samples = 0;
  double cpu = 0;
  double cpu_max = 0;
  std::uint64_t mem_kb = 0;
  std::uint64_t mem_max_kb = 0;
  double load1 = 0;
  double load1_max = 0;
};

// The node's shell job limits (desaster --job-memory, --job-cpu,
// --limit-grace; 0: none) and the jobs stopped over them since it started.
struct ShellLimits {
  std::uint32_t memory_mb = 0;
  std::uint32_t cpu_percent = 0;
  std::uint32_t grace_ms = 0;
  std::uint64_t killed_over_memory = 0;
  std::uint64_t killed_over_cpu = 0;
};

// "resources" -> {node, current, workers, series, history, jobs_run:
// [{node, count}], samples, shell_limits: {memory_mb, cpu_percent, grace_ms,
// killed_over_memory, killed_over_cpu}}
struct ResourcesReply {
  std::string node;  // the answering node's id
  NodeResources current;
  std::vector<WorkerResources> workers;
  std::string series;  // seconds, minutes or none
  std::vector<ResourcePoint> history;
  std::vector<std::pair<std::string, std::uint64_t>> jobs_run;  // per node, the load distribution
  std::uint64_t samples = 0;                                    // taken since the node started
  ShellLimits shell_limits;
};

// "blacklist" list -> {queues: [{queue, window_ms, rejections, entries:
// [{identity, job, seen_at, expires_at, processed}]}]}
struct BlacklistItem {
  std::string identity;
  JobId job = 0;
  TimeMs seen_at = 0;
  TimeMs expires_at = 0;
  bool processed = false;
};
struct BlacklistQueue {
  std::string queue;
  std::uint64_t window_ms = 0;
  std::uint64_t rejections = 0;
  std::vector<BlacklistItem> entries;
};
struct BlacklistReply {
  std::vector<BlacklistQueue> queues;
};

std::string encode_body(const ResourcesReply& body);
std::string encode_body(const BlacklistReply& body);
Status decode_body(std::string_view bytes, ResourcesReply& out);
Status decode_body(std::string_view bytes, BlacklistReply& out);

}  // namespace desaster::protocol
