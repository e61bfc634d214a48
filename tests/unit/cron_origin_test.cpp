// A cron job's entry name and instant are read back from its unique key
// (cron_origin); keys that are not exactly what cron_unique_key makes, or are
// malformed, give none.
#include <catch2/catch.hpp>

#include "core/model/cron_entry.hpp"
#include "core/state/job_filter.hpp"

using namespace desaster;

TEST_CASE("cron_origin reads back what cron_unique_key wrote", "[cron]") {
  auto o = cron_origin(cron_unique_key("nightly.backup:db-1", 1'796'659'200'000));
  REQUIRE(o);
  CHECK(o->name == "nightly.backup:db-1");
  CHECK(o->instant == 1'796'659'200'000);
  CHECK_FALSE(o->manual);

  auto run = cron_origin(cron_unique_key("tick", 5) + "/run");
  REQUIRE(run);
  CHECK(run->name == "tick");
  CHECK(run->instant == 5);
  CHECK(run->manual);
}

TEST_CASE("cron_origin refuses keys cron did not make", "[cron]") {
  for (const char* key :
       {"", "order-17", "cron", "cron:", "cron:@5", "cron:tick", "cron:tick@", "cron:tick@12a",
        "cron:tick@-1", "cron:ti ck@5", "cron:tick@5/runs", "cron:tick@5@6",
        "cron:tick@1234567890123456", "Cron:tick@5", "cron:tick@5/run/run"}) {
    INFO(key);
    CHECK_FALSE(cron_origin(key));
  }
}

TEST_CASE("a search for cron:NAME finds the jobs of that entry", "[cron]") {
  Job fired;
  fired.id = 1;
  fired.job_class = "shell";
  fired.unique_key = cron_unique_key("tick", 1000);
  Job other;
  other.id = 2;
  other.job_class = "shell";
  ListQuery q;
  q.search = "cron:tick";
  state_detail::JobFilter filter(q);
  CHECK(filter.matches(fired));
  CHECK_FALSE(filter.matches(other));
}
