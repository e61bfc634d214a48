// Backoff arithmetic in integers only: every node must compute the same
// retry time, so no floating point and no random source.
#include "core/state/retry_policy.hpp"

#include <algorithm>

namespace desaster {

namespace {

std::uint32_t pick(std::uint32_t job, std::uint32_t queue, std::uint32_t fallback) {
  if (job != 0) return job;
  if (queue != 0) return queue;
  return fallback;
}

// splitmix64's finalizer: a well-mixed hash of the (id, attempt) pair.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

RetryPolicy effective_retry_policy(const RetryOverrides& job, const RetryOverrides& queue) {
  RetryPolicy defaults;
  RetryPolicy p;
  p.max_attempts = pick(job.max_attempts, queue.max_attempts, defaults.max_attempts);
  p.backoff_base_ms = pick(job.backoff_base_ms, queue.backoff_base_ms, defaults.backoff_base_ms);
  p.backoff_max_ms = pick(job.backoff_max_ms, queue.backoff_max_ms, defaults.backoff_max_ms);
  return p;
}

TimeMs backoff_delay_ms(const RetryPolicy& policy, JobId id, std::uint32_t attempt) {
  // base < 2^32 and max < 2^32, so doubling more than 32 times always hits
  // the cap; capping the shift keeps base << shift inside 64 bits.
  attempt = std::max<std::uint32_t>(attempt, 1);
  std::uint32_t shift = std::min<std::uint32_t>(attempt - 1, 32);
  std::uint64_t delay = std::min<std::uint64_t>(std::uint64_t{policy.backoff_base_ms} << shift,
                                                policy.backoff_max_ms);
  // j = h / 2^18 with h < 2^16, so j in [0, 0.25); delay < 2^32 keeps the
  // product below 2^48.
  std::uint64_t h = mix(id ^ mix(attempt)) & 0xffff;
  return static_cast<TimeMs>(delay + ((delay * h) >> 18));
}

}  // namespace desaster
