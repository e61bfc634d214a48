// The leader's cache of each cron entry's next instant: computed once per
// change of the entry (schedule, zone, pause, last decided instant), not on
// every loop turn, and always equal to what entry_deadline says.
#include <catch2/catch.hpp>

#include "core/cron/cron_plan.hpp"
#include "core/cron/deadline_cache.hpp"

using namespace desaster;
using namespace desaster::cron;

namespace {

constexpr TimeMs kMinute = 60'000;
constexpr TimeMs kStart = 1'796'659'200'000;  // 2026-12-07T00:00:00Z, a minute boundary

CronEntry every_minute() {
  CronEntry e;
  e.name = "tick";
  e.schedule = "* * * * *";
  e.last_instant = kStart;
  return e;
}

}  // namespace

TEST_CASE("the deadline is computed once until the entry changes", "[cron]") {
  DeadlineCache cache;
  CronEntry e = every_minute();
  for (int turn = 0; turn < 1000; ++turn) {
    REQUIRE(cache.get(e).deadline == std::optional<TimeMs>(kStart + kMinute));
  }
  CHECK(cache.computed() == 1);

  // A fire moves last_instant: recomputed once, then cached again.
  e.last_instant = kStart + kMinute;
  CHECK(cache.get(e).deadline == std::optional<TimeMs>(kStart + 2 * kMinute));
  CHECK(cache.get(e).deadline == std::optional<TimeMs>(kStart + 2 * kMinute));
  CHECK(cache.computed() == 2);

  // Paused: no deadline; resumed: back.
  e.paused = true;
  CHECK_FALSE(cache.get(e).deadline);
  e.paused = false;
  CHECK(cache.get(e).deadline == std::optional<TimeMs>(kStart + 2 * kMinute));

  // A new schedule (remove and add again under the same name).
  e.schedule = "*/10 * * * *";
  const auto& slot = cache.get(e);
  REQUIRE(slot.schedule);
  CHECK(slot.deadline == entry_deadline(e, *slot.schedule));
  CHECK(*slot.deadline == kStart + 10 * kMinute);
}

TEST_CASE("a schedule that does not parse is reported once and has no deadline", "[cron]") {
  DeadlineCache cache;
  CronEntry e = every_minute();
  e.schedule = "61 * * * *";
  bool fresh = false;
  CHECK_FALSE(cache.get(e, &fresh).deadline);
  CHECK(fresh);
  CHECK(cache.get(e).error.find("minute field '61'") != std::string::npos);
  CHECK_FALSE(cache.get(e, &fresh).deadline);
  CHECK_FALSE(fresh);
}

TEST_CASE("removed entries are forgotten", "[cron]") {
  DeadlineCache cache;
  CronEntry a = every_minute();
  CronEntry b = every_minute();
  b.name = "other";
  cache.get(a);
  cache.get(b);
  CHECK(cache.size() == 2);
  cache.keep_only({"other"});
  CHECK(cache.size() == 1);
}
