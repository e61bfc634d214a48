// Retry backoff: exponential, capped, with deterministic jitter.
#include "core/state/retry_policy.hpp"

#include <catch2/catch.hpp>
#include <limits>
#include <set>

using namespace desaster;

TEST_CASE("a job's retry overrides win over its queue's, which win over the defaults",
          "[state][retry]") {
  RetryPolicy defaults;
  RetryPolicy none = effective_retry_policy({}, {});
  CHECK(none.max_attempts == defaults.max_attempts);
  CHECK(none.backoff_base_ms == defaults.backoff_base_ms);
  CHECK(none.backoff_max_ms == defaults.backoff_max_ms);

  RetryOverrides queue{5, 1000, 0};
  RetryOverrides job{0, 200, 9000};
  RetryPolicy p = effective_retry_policy(job, queue);
  CHECK(p.max_attempts == 5);       // queue
  CHECK(p.backoff_base_ms == 200);  // job over queue
  CHECK(p.backoff_max_ms == 9000);  // job
  CHECK(effective_retry_policy({}, queue).backoff_max_ms == defaults.backoff_max_ms);
}

TEST_CASE("the delay doubles from the base up to the cap, plus less than a quarter of jitter",
          "[state][retry]") {
  RetryPolicy p{10, 1000, 20'000};
  std::uint64_t expected[] = {1000, 2000, 4000, 8000, 16'000, 20'000, 20'000, 20'000};
  for (std::uint32_t attempt = 1; attempt <= 8; ++attempt) {
    for (JobId id = 1; id <= 50; ++id) {
      TimeMs d = backoff_delay_ms(p, id * 7919, attempt);
      TimeMs base = static_cast<TimeMs>(expected[attempt - 1]);
      REQUIRE(d >= base);
      REQUIRE(d < base + base / 4);
    }
  }
}

TEST_CASE("jitter is the same for the same job and attempt and spreads different jobs",
          "[state][retry]") {
  RetryPolicy p{10, 60'000, 3'600'000};
  CHECK(backoff_delay_ms(p, 12345, 3) == backoff_delay_ms(p, 12345, 3));
  std::set<TimeMs> seen;
  for (JobId id = 1; id <= 100; ++id) seen.insert(backoff_delay_ms(p, id, 3));
  CHECK(seen.size() > 90);  // jobs that failed together do not retry together
  std::set<TimeMs> by_attempt;
  for (std::uint32_t a = 20; a < 40; ++a) by_attempt.insert(backoff_delay_ms(p, 1, a));
  CHECK(by_attempt.size() > 15);  // capped attempts still get their own jitter
}

TEST_CASE("huge attempt numbers stay at the cap without overflow", "[state][retry]") {
  RetryPolicy p{0, std::numeric_limits<std::uint32_t>::max(),
                std::numeric_limits<std::uint32_t>::max()};
  TimeMs cap = static_cast<TimeMs>(p.backoff_max_ms);
  for (std::uint32_t attempt :
       {31u, 32u, 33u, 64u, 65u, 1000u, std::numeric_limits<std::uint32_t>::max()}) {
    TimeMs d = backoff_delay_ms(p, 42, attempt);
    CHECK(d >= cap);
    CHECK(d < cap + cap / 4 + 1);
  }
  RetryPolicy small{0, 15'000, 3'600'000};
  CHECK(backoff_delay_ms(small, 1, 200) >= 3'600'000);
}

TEST_CASE("attempt 0 counts as the first and a zero base means no wait", "[state][retry]") {
  RetryPolicy p{10, 1000, 60'000};
  CHECK(backoff_delay_ms(p, 9, 0) == backoff_delay_ms(p, 9, 1));
  CHECK(backoff_delay_ms(RetryPolicy{10, 0, 60'000}, 9, 5) == 0);
}

TEST_CASE("the default policy spreads ten attempts over two to two and a half hours",
          "[state][retry]") {
  RetryPolicy p;
  TimeMs total = 0;
  for (std::uint32_t attempt = 1; attempt < p.max_attempts; ++attempt) {
    total += backoff_delay_ms(p, 0xabcdef, attempt);
  }
  CHECK(total >= 7'425'000);  // 15 s doubling to 1920 s, then the 1 h cap
  CHECK(total < 7'425'000 + 7'425'000 / 4);
}
