// JobSpec: what a client asks to enqueue (the "enqueue" request, a cron
// entry's job). Its wire form is spec_wire.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "core/model/job.hpp"

namespace desaster::protocol {

// What a client asks to enqueue; the node fills in id, state and timestamps.
struct JobSpec {
  std::string queue = "default";
  JobKind kind = JobKind::shell;
  std::string job_class;
  std::string payload;  // bin
  std::string unique_key;
  std::int32_t priority = 0;
  TimeMs run_at = 0;       // absolute ms since epoch, or
  std::int64_t in_ms = 0;  // relative to the node's clock
  std::uint32_t timeout_ms = 0;
  RetryOverrides retry;  // "max_attempts", "backoff_base_ms", "backoff_max_ms"
  // "pin_node", "pin_pool": leased only to a worker of this node / pool.
  std::string pin_node;
  std::string pin_pool;
  std::string flow{};  // fairness key for sfq/htb; empty: the job's class
};

}  // namespace desaster::protocol
