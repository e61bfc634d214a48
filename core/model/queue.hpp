// A queue's settings as replicated state. The ready jobs themselves live in
// the state machine's index (core/state), not here.
#pragma once

#include <cstdint>
#include <string>

#include "core/model/job.hpp"
#include "core/qdisc/qdisc_config.hpp"

namespace desaster {

struct QueueConfig {
  bool paused = false;   // a paused queue keeps and accepts jobs but leases none
  RetryOverrides retry;  // 0 fields fall back to the defaults in retry_policy.hpp
  // How long succeeded jobs stay inspectable before they are purged.
  std::uint64_t retention_ms = 24ull * 3600 * 1000;
  // The de-duplication window: a job whose identity (core/state/dedup_identity.hpp)
  // was enqueued or processed in this queue within it is refused. 0: off.
  std::uint64_t dedup_window_ms = 0;
  // The order its ready jobs go out in (core/qdisc). The default, priority
  // without aging, is the order queues always had.
  QdiscConfig qdisc{};
};

// A queue name: 1 to 128 bytes of [A-Za-z0-9_.:-]. Returns an error message,
// empty when the name is valid.
std::string check_queue_name(const std::string& name);

}  // namespace desaster
