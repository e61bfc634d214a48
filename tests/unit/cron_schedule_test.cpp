// Cron schedules: every syntax form, the Vixie day rule, leap days, @every,
// daylight-saving transitions in two zones, years of instants, malformed
// input, and a property test against a brute-force minute-by-minute matcher.
#include "core/cron/schedule.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

using namespace desaster;
using namespace desaster::cron;

namespace {

// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

TimeMs utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return (days_from_civil(y, mo, d) * 86'400LL + h * 3600LL + mi * 60LL + s) * 1000;
}

Schedule parse(std::string_view text, std::string_view zone = "") {
  Result<Schedule> r = parse_schedule(text, zone);
  INFO(text << " " << r.status().message);
  REQUIRE(r.ok());
  return r.value();
}

std::vector<TimeMs> fires(const Schedule& s, TimeMs after, std::size_t n) {
  std::vector<TimeMs> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::optional<TimeMs> t = next_fire(s, after);
    if (!t) break;
    REQUIRE(*t > after);
    out.push_back(*t);
    after = *t;
  }
  return out;
}

std::string error_of(std::string_view text, std::string_view zone = "") {
  Result<Schedule> r = parse_schedule(text, zone);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code == ErrorCode::bad_request);
  return r.status().message;
}

}  // namespace

TEST_CASE("a step over every minute fires on the quarter hours", "[cron]") {
  Schedule s = parse("*/15 * * * *");
  CHECK(fires(s, utc(2024, 1, 1, 0, 7), 3) == std::vector<TimeMs>{utc(2024, 1, 1, 0, 15),
                                                                  utc(2024, 1, 1, 0, 30),
                                                                  utc(2024, 1, 1, 0, 45)});
  // Strictly after: an instant on the schedule gives the next one.
  CHECK(next_fire(s, utc(2024, 1, 1, 0, 15)) == utc(2024, 1, 1, 0, 30));
  CHECK(next_fire(s, utc(2024, 1, 1, 0, 14, 59) + 999) == utc(2024, 1, 1, 0, 15));
}

TEST_CASE("lists, ranges and ranged steps combine in one field", "[cron]") {
  Schedule s = parse("5,10-12,50-59/3 * * * *");
  std::vector<TimeMs> want;
  for (int m : {5, 10, 11, 12, 50, 53, 56, 59}) want.push_back(utc(2024, 5, 1, 3, m));
  want.push_back(utc(2024, 5, 1, 4, 5));
  CHECK(fires(s, utc(2024, 5, 1, 3, 0), 9) == want);
  // N/STEP runs from N to the end of the range.
  Schedule from_n = parse("0 20/2 * * *");
  CHECK(fires(from_n, utc(2024, 5, 1), 3) ==
        std::vector<TimeMs>{utc(2024, 5, 1, 20), utc(2024, 5, 1, 22), utc(2024, 5, 2, 20)});
}

TEST_CASE("month and weekday names in any case, and 7 as Sunday", "[cron]") {
  Schedule s = parse("0 9 * JAN-mar Mon-FRI");
  // 2024-03-29 is a Friday; April is outside the months: next is 2025-01-01 (Wednesday).
  CHECK(fires(s, utc(2024, 3, 29, 8), 2) ==
        std::vector<TimeMs>{utc(2024, 3, 29, 9), utc(2025, 1, 1, 9)});
  Schedule sunday = parse("0 0 * * 7");
  CHECK(next_fire(sunday, utc(2024, 6, 1)) == utc(2024, 6, 2));  // a Sunday
  CHECK(next_fire(parse("0 0 * * sun"), utc(2024, 6, 1)) == utc(2024, 6, 2));
}

TEST_CASE("a six-field schedule has seconds first", "[cron]") {
  Schedule s = parse("*/20 * * * * *");
  CHECK(fires(s, utc(2024, 1, 1, 0, 0, 0), 4) ==
        std::vector<TimeMs>{utc(2024, 1, 1, 0, 0, 20), utc(2024, 1, 1, 0, 0, 40),
                            utc(2024, 1, 1, 0, 1, 0), utc(2024, 1, 1, 0, 1, 20)});
  Schedule once_a_minute = parse("30 0 12 * * *");
  CHECK(next_fire(once_a_minute, utc(2024, 1, 1)) == utc(2024, 1, 1, 12, 0, 30));
}

TEST_CASE("the shorthands stand for their five fields", "[cron]") {
  const TimeMs t = utc(2024, 2, 14, 10, 30);  // a Wednesday
  CHECK(next_fire(parse("@hourly"), t) == utc(2024, 2, 14, 11));
  CHECK(next_fire(parse("@daily"), t) == utc(2024, 2, 15));
  CHECK(next_fire(parse("@midnight"), t) == utc(2024, 2, 15));
  CHECK(next_fire(parse("@weekly"), t) == utc(2024, 2, 18));
  CHECK(next_fire(parse("@monthly"), t) == utc(2024, 3, 1));
  CHECK(next_fire(parse("@yearly"), t) == utc(2025, 1, 1));
  CHECK(next_fire(parse("@annually"), t) == utc(2025, 1, 1));
}

TEST_CASE("day-of-month and day-of-week both restricted match either (Vixie OR rule)", "[cron]") {
  // Every 13th and every Friday of September 2024 (13th is itself a Friday).
  Schedule s = parse("0 0 13 * fri");
  CHECK(fires(s, utc(2024, 9, 1), 5) == std::vector<TimeMs>{utc(2024, 9, 6), utc(2024, 9, 13),
                                                            utc(2024, 9, 20), utc(2024, 9, 27),
                                                            utc(2024, 10, 4)});
  // October: the 13th is a Sunday and fires too.
  CHECK(next_fire(s, utc(2024, 10, 12)) == utc(2024, 10, 13));
  // A day-of-month starting with '*' makes both required: odd days that are Fridays.
  Schedule star = parse("0 0 */2 * fri");
  CHECK(fires(star, utc(2024, 9, 1), 3) ==
        std::vector<TimeMs>{utc(2024, 9, 13), utc(2024, 9, 27), utc(2024, 10, 11)});
}

TEST_CASE("February 29th fires only in leap years, over decades", "[cron]") {
  Schedule s = parse("0 0 29 2 *");
  CHECK(fires(s, utc(2023, 1, 1), 5) == std::vector<TimeMs>{utc(2024, 2, 29), utc(2028, 2, 29),
                                                            utc(2032, 2, 29), utc(2036, 2, 29),
                                                            utc(2040, 2, 29)});
  // 2100 is not a leap year.
  CHECK(next_fire(s, utc(2097, 1, 1)) == utc(2104, 2, 29));
  // The last day of every month, via the OR rule's absence: 31 skips short months.
  Schedule days31 = parse("0 0 31 * *");
  CHECK(fires(days31, utc(2024, 1, 1), 3) ==
        std::vector<TimeMs>{utc(2024, 1, 31), utc(2024, 3, 31), utc(2024, 5, 31)});
}

TEST_CASE("@every fires on the multiples of its period since the epoch", "[cron]") {
  Schedule s = parse("@every 30s");
  CHECK(next_fire(s, utc(2024, 1, 1, 12, 0, 10)) == utc(2024, 1, 1, 12, 0, 30));
  CHECK(next_fire(s, utc(2024, 1, 1, 12, 0, 30)) == utc(2024, 1, 1, 12, 1, 0));
  CHECK(next_fire(parse("@every 1h30m"), utc(2024, 1, 1, 0, 10)) == utc(2024, 1, 1, 1, 30));
  CHECK(next_fire(parse("@every 1500ms"), 1000) == 1500);
  // The zone plays no part.
  CHECK(next_fire(parse("@every 1d", "America/New_York"), utc(2024, 3, 10, 1)) == utc(2024, 3, 11));
}

TEST_CASE("New York's spring-forward fires a fixed time in the gap once, at the transition",
          "[cron][dst]") {
  // 2024-03-10: 02:00 EST becomes 03:00 EDT at 07:00 UTC.
  Schedule s = parse("30 2 * * *", "America/New_York");
  CHECK(fires(s, utc(2024, 3, 9), 3) ==
        std::vector<TimeMs>{utc(2024, 3, 9, 7, 30), utc(2024, 3, 10, 7), utc(2024, 3, 11, 6, 30)});
  // A wildcard entry has no 02:xx that day: 01:30 EST, then 03:00 EDT.
  Schedule every_half = parse("*/30 * * * *", "America/New_York");
  CHECK(fires(every_half, utc(2024, 3, 10, 6), 3) ==
        std::vector<TimeMs>{utc(2024, 3, 10, 6, 30), utc(2024, 3, 10, 7), utc(2024, 3, 10, 7, 30)});
  // Several fixed times in the gap still fire once.
  Schedule many = parse("0,15,45 2 * * *", "America/New_York");
  CHECK(fires(many, utc(2024, 3, 10, 6), 2) ==
        std::vector<TimeMs>{utc(2024, 3, 10, 7), utc(2024, 3, 11, 6)});
}

TEST_CASE("New York's fall-back fires a fixed time once, wildcards at both passes", "[cron][dst]") {
  // 2024-11-03: 02:00 EDT becomes 01:00 EST at 06:00 UTC; 01:xx happens twice.
  Schedule s = parse("30 1 * * *", "America/New_York");
  CHECK(fires(s, utc(2024, 11, 3), 2) ==
        std::vector<TimeMs>{utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30)});
  // Asked from inside the second pass, the fixed entry waits for the next day.
  CHECK(next_fire(s, utc(2024, 11, 3, 6, 10)) == utc(2024, 11, 4, 6, 30));
  Schedule every_half = parse("*/30 * * * *", "America/New_York");
  CHECK(fires(every_half, utc(2024, 11, 3, 4, 50), 5) ==
        std::vector<TimeMs>{utc(2024, 11, 3, 5), utc(2024, 11, 3, 5, 30), utc(2024, 11, 3, 6),
                            utc(2024, 11, 3, 6, 30), utc(2024, 11, 3, 7)});
}

TEST_CASE("Berlin's transitions follow the same rule", "[cron][dst]") {
  // 2024-03-31: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
  Schedule s = parse("15 2 * * *", "Europe/Berlin");
  CHECK(fires(s, utc(2024, 3, 30), 3) ==
        std::vector<TimeMs>{utc(2024, 3, 30, 1, 15), utc(2024, 3, 31, 1), utc(2024, 4, 1, 0, 15)});
  // 2024-10-27: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 02:15 once (CEST).
  CHECK(fires(s, utc(2024, 10, 26, 12), 2) ==
        std::vector<TimeMs>{utc(2024, 10, 27, 0, 15), utc(2024, 10, 28, 1, 15)});
}

TEST_CASE("a daily noon in Berlin fires at local noon every day for ten years", "[cron][dst]") {
  Schedule s = parse("0 12 * * *", "Europe/Berlin");
  TimeMs t = utc(2020, 1, 1);
  int count = 0;
  std::int64_t last_day = 0;
  while (true) {
    std::optional<TimeMs> next = next_fire(s, t);
    REQUIRE(next);
    if (*next >= utc(2030, 1, 1)) break;
    const std::int64_t local = *next / 1000 + utc_offset_seconds(s, *next);
    const std::int64_t day = local / 86'400;
    REQUIRE(local % 86'400 == 12 * 3600);
    if (count > 0) REQUIRE(day == last_day + 1);
    last_day = day;
    t = *next;
    ++count;
  }
  CHECK(count == 3653);  // 2020-2029, three leap years
}

TEST_CASE("malformed schedules are refused naming the field", "[cron]") {
  CHECK(error_of("61 * * * *") == "minute field '61': out of range 0-59");
  CHECK(error_of("* 24 * * *") == "hour field '24': out of range 0-23");
  CHECK(error_of("* * 0 * *") == "day-of-month field '0': out of range 1-31");
  CHECK(error_of("* * * 13 *") == "month field '13': out of range 1-12");
  CHECK(error_of("* * * * 8") == "day-of-week field '8': out of range 0-7");
  CHECK(error_of("* * * foo *") == "month field 'foo': 'foo' is not a number or a name");
  CHECK(error_of("*/0 * * * *") == "minute field '*/0': step out of range 1-59");
  CHECK(error_of("*/x * * * *") == "minute field '*/x': step 'x' is not a number");
  CHECK(error_of("5-1 * * * *") == "minute field '5-1': the range runs backwards");
  CHECK(error_of("1,,2 * * * *") == "minute field '': a value is missing");
  CHECK(error_of("1- * * * *") == "minute field '1-': a value is missing");
  CHECK(error_of("-1 * * * *") == "minute field '-1': a value is missing");
  CHECK(error_of("99999999999 * * * *") == "minute field '99999999999': out of range 0-59");
  CHECK(error_of("60 * * * * *") == "second field '60': out of range 0-59");
  CHECK(error_of("0 0 30 2 *") ==
        "day-of-month field '30': no such day in the months given, never fires");
  CHECK(error_of("* * * *").find("expected 5 fields") != std::string::npos);
  CHECK(error_of("* * * * * * *").find("got 7") != std::string::npos);
  CHECK(error_of("") == "schedule: empty");
  CHECK(error_of("   ") == "schedule: empty");
  CHECK(error_of("@fortnightly").find("expected @hourly") != std::string::npos);
  CHECK(error_of("@daily extra").find("expected @hourly") != std::string::npos);
  CHECK(error_of("@every").find("one duration") != std::string::npos);
  CHECK(error_of("@every 0s").find("@every '0s'") != std::string::npos);
  CHECK(error_of("@every 999ms").find("1s to 366d") != std::string::npos);
  CHECK(error_of("@every 367d").find("@every '367d'") != std::string::npos);
  CHECK(error_of("@every 5x").find("@every '5x'") != std::string::npos);
  CHECK(error_of("@every s").find("@every 's'") != std::string::npos);
  CHECK(error_of("* * * * *\n") == "schedule: control character");
  CHECK(error_of("* * * * \xc3\xa9") == "schedule: not ASCII");
  CHECK(error_of(std::string(300, '*')) == "schedule: longer than 256 bytes");
  CHECK(error_of("* * * * *", "Mars/Olympus") ==
        "time zone 'Mars/Olympus': not in the tz database");
  CHECK(error_of("* * * * *", "../../etc/passwd") ==
        "time zone '../../etc/passwd': not a zone name");
  CHECK(error_of("* * * * *", std::string(65, 'A')) == "time zone: longer than 64 bytes");
  CHECK(check_zone("Europe/Berlin").ok());
  CHECK(check_zone("").ok());
  CHECK(check_zone("UTC").ok());
}

namespace {

// The reference: walk every UTC minute, convert it to local time and apply
// the rule of schedule.hpp literally.
std::optional<TimeMs> brute_force_next(const Schedule& s, TimeMs after, TimeMs horizon) {
  auto local_of = [&](std::int64_t sec) { return sec + utc_offset_seconds(s, sec * 1000); };
  std::int64_t minute = after / 60'000 + 1;
  for (; minute * 60'000 <= horizon; ++minute) {
    const std::int64_t sec = minute * 60;
    const std::int64_t local = local_of(sec);
    const std::int64_t prev_local = local_of(sec - 60);
    if (s.fixed_time && local - prev_local > 60) {
      for (std::int64_t l = prev_local + 60; l < local; l += 60) {
        if (matches_local(s, l)) return sec * 1000;
      }
    }
    if (!matches_local(s, local)) continue;
    bool repeated = false;
    for (std::int64_t back : {1800, 3600, 7200}) {
      if (local_of(sec - back) == local) repeated = true;
    }
    if (s.fixed_time && repeated) continue;
    return sec * 1000;
  }
  return std::nullopt;
}

std::string random_field(std::mt19937& rng, int min, int max, bool mostly_star) {
  std::uniform_int_distribution<int> pick(0, mostly_star ? 15 : 5);
  std::uniform_int_distribution<int> value(min, max);
  std::uniform_int_distribution<int> step(1, std::max(1, (max - min) / 2));
  int a = value(rng);
  int b = value(rng);
  if (a > b) std::swap(a, b);
  switch (pick(rng)) {
    case 0:
      return std::to_string(a);
    case 1:
      return std::to_string(a) + "-" + std::to_string(b);
    case 2:
      return "*/" + std::to_string(step(rng));
    case 3:
      return std::to_string(a) + "," + std::to_string(b);
    case 4:
      return std::to_string(a) + "-" + std::to_string(b) + "/" + std::to_string(step(rng));
    case 5:
      return std::to_string(a) + "/" + std::to_string(step(rng));
    default:
      return "*";
  }
}

}  // namespace

TEST_CASE("next_fire agrees with a minute-by-minute matcher on random schedules",
          "[cron][property]") {
  std::mt19937 rng(20261207);
  const std::vector<const char*> zones{"", "America/New_York", "Europe/Berlin",
                                       "Australia/Lord_Howe"};
  // Start near transitions half of the time: March, April, October, November.
  const std::vector<unsigned> months{3, 4, 10, 11, 1, 6, 8, 12};
  int compared = 0;
  for (int round = 0; round < 300; ++round) {
    std::string text = random_field(rng, 0, 59, false) + " " + random_field(rng, 0, 23, false) +
                       " " + random_field(rng, 1, 31, true) + " " + random_field(rng, 1, 12, true) +
                       " " + random_field(rng, 0, 6, true);
    const char* zone_name = zones[static_cast<std::size_t>(round) % zones.size()];
    Result<Schedule> parsed = parse_schedule(text, zone_name);
    if (!parsed.ok()) continue;  // a day that never exists in its months
    const Schedule& s = parsed.value();
    std::uniform_int_distribution<int> year(2022, 2030);
    std::uniform_int_distribution<std::size_t> month(0, months.size() - 1);
    std::uniform_int_distribution<int> day(1, 28);
    std::uniform_int_distribution<int> second(0, 86'399);
    TimeMs after =
        utc(year(rng), months[month(rng)], static_cast<unsigned>(day(rng))) + second(rng) * 1000LL;
    for (int k = 0; k < 4; ++k) {
      const TimeMs horizon = after + 120LL * 86'400'000;
      std::optional<TimeMs> want = brute_force_next(s, after, horizon);
      std::optional<TimeMs> got = next_fire(s, after);
      INFO(text << " in '" << zone_name << "' after " << after);
      if (want) {
        REQUIRE(got == want);
      } else {
        REQUIRE((!got || *got > horizon));
        break;
      }
      after = *got;
      ++compared;
    }
  }
  CHECK(compared > 500);
}
