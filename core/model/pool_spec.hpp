// A Ruby pool as declared by an operator (`desasterctl pool add`) and kept in
// the replicated state: which application it loads, where it runs, how many
// workers it keeps and which jobs it takes. Plain data; the node's pool
// supervisor (workers/ruby_pool) turns it into processes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job.hpp"

namespace desaster {

struct PoolQueue {
  std::string name;  // "*" serves every queue
  std::uint32_t weight = 1;
};

struct PoolSpec {
  std::string name;
  std::string node;  // the node that runs it (id, id prefix or host name); empty: every node
  std::string dir;   // the application's directory, the master's working directory
  std::vector<std::string> require_files;  // required before forking (config/environment.rb)
  std::string rackup;                      // a config.ru; makes the pool take http jobs too
  std::uint32_t min_workers = 1;
  std::uint32_t max_workers = 1;
  std::vector<PoolQueue> queues;  // empty: every queue
  std::vector<JobKind> kinds;     // empty: ruby, plus http with a rackup
  std::uint32_t timeout_ms = 0;   // for jobs without their own; 0: kDefaultPoolTimeoutMs
  // A worker above its memory limit (RSS, MiB; checked after each job and in
  // the resource monitor's samples) or sampled above its CPU limit (percent
  // of one CPU) is replaced after its job, or killed with its job failed
  // when it is still busy and over limit_grace_ms after it first went over
  // (0: kDefaultLimitGraceMs). 0: no limit.
  std::uint32_t memory_limit_mb = 0;
  std::uint32_t cpu_limit_percent = 0;
  std::uint32_t limit_grace_ms = 0;
  // Bumped by the state on every redeclaration and reload: a node restarts
  // its pool when the generation it runs differs.
  std::uint64_t generation = 0;
};

inline constexpr std::uint32_t kDefaultPoolTimeoutMs = 30 * 60 * 1000;
inline constexpr std::uint32_t kMaxPoolWorkers = 1024;
// The name of every node's shell pool: worker assignment ops name it like a
// Ruby pool, so no Ruby pool may take it.
inline constexpr std::string_view kShellPool = "shell";
inline constexpr std::uint32_t kDefaultLimitGraceMs = 30'000;
inline constexpr std::uint32_t kMaxCpuLimitPercent = 100'000;

// The kinds the pool runs: its own list, or ruby (+ http with a rackup).
std::vector<JobKind> pool_kinds(const PoolSpec& spec);
std::uint32_t pool_timeout_ms(const PoolSpec& spec);
std::uint32_t pool_limit_grace_ms(const PoolSpec& spec);

// Checks a declaration; returns what is wrong, empty when it is valid.
std::string check_pool_spec(const PoolSpec& spec);

}  // namespace desaster
