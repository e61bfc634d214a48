// A cron schedule: what `desasterctl cron add NAME 'SCHEDULE' --tz ZONE`
// accepts, parsed into bit sets, and the one question the scheduler asks of
// it: the first instant after a given one at which it fires.
//
// Syntax: five crontab fields (minute hour day-of-month month day-of-week),
// or six with a leading seconds field; each a comma list of `*`, `N`, `N-M`,
// optionally `/STEP` (`N/STEP` means N-max/STEP); month and weekday names
// (jan..dec, sun..sat, any case); weekday 7 is Sunday. `@hourly`, `@daily`
// (`@midnight`), `@weekly`, `@monthly`, `@yearly` (`@annually`), and
// `@every DURATION` (units ms, s, m, h, d, combinable: `1h30m`; 1 s to 366 d),
// which fires at the multiples of DURATION since the Unix epoch, whatever
// the zone.
//
// Day rule (Vixie cron): when both day-of-month and day-of-week are
// restricted (neither starts with `*`), a day matches if either matches;
// otherwise both must.
//
// Daylight saving (the rule of Vixie cron as Debian and cronie ship it): an
// entry is "fixed-time" when neither its minute nor its hour field starts
// with `*`. A local time skipped by a spring-forward transition fires a
// fixed-time entry once, at the first instant after the gap (the
// transition); wildcard entries simply have no such local time. A local time
// that occurs twice in a fall-back transition fires a fixed-time entry once,
// at its first occurrence; wildcard entries fire at both, as real time
// passes. Zones come from the system's tz database (/usr/share/zoneinfo,
// Howard Hinnant's date/tz with USE_OS_TZDB): its files list transitions up
// to 2037, after which a zone keeps its last offset.
//
// Pure: next_fire takes the instant to start from; nothing reads a clock.
// The zone database is loaded once, on the first parse that names a zone.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/job.hpp"
#include "core/model/status.hpp"

namespace date {
class time_zone;
}

namespace desaster::cron {

// Longest schedule text and zone name accepted.
inline constexpr std::size_t kMaxScheduleText = 256;
inline constexpr std::size_t kMaxZoneName = 64;

struct Schedule {
  std::bitset<60> seconds;
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // bits 1-31
  std::bitset<13> months;         // bits 1-12
  std::bitset<7> days_of_week;    // 0 = Sunday
  bool dom_star = false;          // the field started with '*'
  bool dow_star = false;
  bool fixed_time = false;                // neither minute nor hour starts with '*'
  std::int64_t every_ms = 0;              // @every: the period; the fields are unused
  const date::time_zone* zone = nullptr;  // null: UTC
};

// Parses `text` in the zone named `zone` (empty: UTC). Errors are
// bad_request naming the field: "minute field '61': out of range 0-59".
Result<Schedule> parse_schedule(std::string_view text, std::string_view zone);

// Whether `name` is a zone of the tz database (empty: UTC); the error names it.
Status check_zone(std::string_view zone);

// The first instant strictly after `after` (ms since the epoch) at which the
// schedule fires; whole seconds. None when it does not fire within 50 years.
std::optional<TimeMs> next_fire(const Schedule& schedule, TimeMs after);

// The schedule's zone's offset from UTC at `at` (ms), in seconds; 0 for UTC.
std::int64_t utc_offset_seconds(const Schedule& schedule, TimeMs at);

// Whether the local civil time (seconds since 1970-01-01 00:00 as if UTC)
// matches the fields (the Vixie day rule included); for tests and next_fire.
bool matches_local(const Schedule& schedule, std::int64_t local_seconds);

}  // namespace desaster::cron
