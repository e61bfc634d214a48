// Automatic retry with exponential backoff and jitter.
//
//   delay(attempt) = min(max_ms, base_ms * 2^(attempt-1)) * (1 + j)
//
// where attempt is the number of the attempt that just failed (1, 2, ...)
// and j in [0, 0.25) is derived from a hash of (job id, attempt), so every
// node computes the same retry time without a random source (apply stays
// deterministic) and jobs that failed together do not retry together.
// Defaults: 10 attempts, base 15 s, cap 1 h: the 10th attempt comes 2 to
// 2.6 hours after the first (2 h 4 min of backoff plus the jitter). A job's overrides win over its
// queue's, which win over the defaults.
#pragma once

#include <cstdint>

#include "core/model/job.hpp"

namespace desaster {

struct RetryPolicy {
  std::uint32_t max_attempts = 10;
  std::uint32_t backoff_base_ms = 15'000;
  std::uint32_t backoff_max_ms = 3'600'000;
};

RetryPolicy effective_retry_policy(const RetryOverrides& job, const RetryOverrides& queue);

// Milliseconds to wait after failed attempt number `attempt` (>= 1).
TimeMs backoff_delay_ms(const RetryPolicy& policy, JobId id, std::uint32_t attempt);

}  // namespace desaster
