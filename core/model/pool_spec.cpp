#include "core/model/pool_spec.hpp"

#include "core/model/queue.hpp"

namespace desaster {

std::vector<JobKind> pool_kinds(const PoolSpec& spec) {
  if (!spec.kinds.empty()) return spec.kinds;
  std::vector<JobKind> kinds{JobKind::ruby};
  if (!spec.rackup.empty()) kinds.push_back(JobKind::http);
  return kinds;
}

std::uint32_t pool_timeout_ms(const PoolSpec& spec) {
  return spec.timeout_ms != 0 ? spec.timeout_ms : kDefaultPoolTimeoutMs;
}

std::uint32_t pool_limit_grace_ms(const PoolSpec& spec) {
  return spec.limit_grace_ms != 0 ? spec.limit_grace_ms : kDefaultLimitGraceMs;
}

std::string check_pool_spec(const PoolSpec& spec) {
  // A pool name is also a log and process title: the queue name rules fit.
  if (!check_queue_name(spec.name).empty()) {
    return "pool name '" + spec.name + "' is not 1 to 128 bytes of [A-Za-z0-9_.:-]";
  }
  if (spec.name == kShellPool) return "pool name 'shell' is taken by every node's shell pool";
  if (spec.dir.empty() || spec.dir.front() != '/') return "pool dir must be an absolute path";
  if (spec.require_files.empty() && spec.rackup.empty()) {
    return "pool needs a file to require or a rackup (config.ru)";
  }
  if (spec.max_workers == 0) return "pool max workers must be at least 1";
  if (spec.max_workers > kMaxPoolWorkers) {
    return "pool max workers must be at most " + std::to_string(kMaxPoolWorkers);
  }
  if (spec.min_workers > spec.max_workers) return "pool min workers is above max workers";
  if (spec.cpu_limit_percent > kMaxCpuLimitPercent) {
    return "pool CPU limit must be at most " + std::to_string(kMaxCpuLimitPercent) + " percent";
  }
  for (const PoolQueue& q : spec.queues) {
    if (q.name == "*") continue;
    if (std::string why = check_queue_name(q.name); !why.empty()) return "pool queues: " + why;
    if (q.weight == 0) return "pool queue '" + q.name + "' has weight 0";
  }
  for (JobKind kind : spec.kinds) {
    if (kind != JobKind::ruby && kind != JobKind::http) {
      return std::string("a Ruby pool cannot run ") + to_string(kind) + " jobs";
    }
    if (kind == JobKind::http && spec.rackup.empty()) return "http jobs need a rackup";
  }
  return {};
}

}  // namespace desaster
