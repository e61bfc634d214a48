// Token buckets in integers, for htb. Tokens are millionths of a job, so a
// rate in thousandths of a job per second (HtbClass::rate_milli) is exactly
// that many tokens per millisecond, and every replica computes the same
// numbers. A bucket never holds more than its cap; it may go below zero (a
// debt) when a class is charged for a job it could not afford, and pays the
// debt back as time passes.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include "core/model/job.hpp"

namespace desaster::qdisc_detail {

inline constexpr std::int64_t kTokensPerJob = 1'000'000;

struct TokenBucket {
  std::int64_t tokens = 0;
  TimeMs updated = 0;

  bool operator==(const TokenBucket&) const = default;
};

// Adds what `rate` (tokens per ms) earned since `updated`, up to `cap`.
// Time that runs backwards (a new master with a slower clock) earns nothing.
// Advancing to t1 and then t2 gives the same as advancing to t2 at once.
inline void advance(TokenBucket& b, TimeMs now, std::int64_t rate, std::int64_t cap) {
  if (now <= b.updated) return;
  if (b.tokens < cap && rate > 0) {
    // Unsigned arithmetic: a deep debt makes cap - tokens exceed int64.
    auto elapsed = static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(b.updated);
    auto room = static_cast<std::uint64_t>(cap) - static_cast<std::uint64_t>(b.tokens);
    auto r = static_cast<std::uint64_t>(rate);
    b.tokens = elapsed >= (room + r - 1) / r
                   ? cap
                   : static_cast<std::int64_t>(static_cast<std::uint64_t>(b.tokens) + elapsed * r);
  }
  b.updated = now;
}

// When the bucket (advanced to `now`) will hold a whole job; none if never.
inline std::optional<TimeMs> time_of_one_job(const TokenBucket& b, TimeMs now, std::int64_t rate) {
  if (b.tokens >= kTokensPerJob) return now;
  if (rate <= 0) return std::nullopt;
  std::uint64_t missing = static_cast<std::uint64_t>(kTokensPerJob - b.tokens);
  std::uint64_t wait =
      (missing + static_cast<std::uint64_t>(rate) - 1) / static_cast<std::uint64_t>(rate);
  constexpr TimeMs kMax = std::numeric_limits<TimeMs>::max();
  if (wait > static_cast<std::uint64_t>(kMax) || now > kMax - static_cast<TimeMs>(wait))
    return kMax;
  return now + static_cast<TimeMs>(wait);
}

// Debt is bounded so that a long run of forced charges cannot overflow.
inline constexpr std::int64_t kMaxDebt = std::numeric_limits<std::int64_t>::min() / 2;
inline void charge(TokenBucket& b) {
  b.tokens = b.tokens - kTokensPerJob < kMaxDebt ? kMaxDebt : b.tokens - kTokensPerJob;
}

}  // namespace desaster::qdisc_detail
