// desaster-web's processed/failed rate series (ui/web/server/rate_series).
#include <catch2/catch.hpp>

#include "ui/web/server/rate_series.hpp"

using namespace desaster::web;

TEST_CASE("rate series bucket ops by second and minute and forget old ones", "[web]") {
  RateSeries r;
  CHECK(r.seconds(1'000'000).empty());  // nothing seen yet
  r.add(1'000'100, 3, 1);
  r.add(1'000'900, 2, 0);
  r.add(1'002'000, 1, 1);
  const auto s = r.seconds(1'002'500);
  REQUIRE(s.size() == 3);
  CHECK(s[0].t == 1'000'000);
  CHECK(s[0].processed == 5);
  CHECK(s[0].failed == 1);
  CHECK(s[1].processed == 0);
  CHECK(s[2].processed == 1);
  const auto m = r.minutes(1'002'500);
  REQUIRE(m.size() == 1);
  CHECK(m[0].processed == 6);
  CHECK(r.processed_per_s(1'003'000, 3) == Approx(2.0));
  // Ten minutes later the second buckets have gone round: only zeros.
  const auto later = r.seconds(1'000'000 + 700'000);
  REQUIRE(later.size() == 600);
  for (const RatePoint& p : later) CHECK(p.processed == 0);
}
