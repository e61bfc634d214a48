// next_fire: the first instant after a given one at which a schedule fires.
//
// Local civil time is searched one day at a time with the fields' bit sets
// (next_local). A zone is a sequence of segments of constant UTC offset
// (date::sys_info); inside one, local time and instants move together, so the
// search runs per segment, and the daylight-saving rule of schedule.hpp is
// applied at the segment boundaries: a spring-forward gap fires a fixed-time
// entry at the transition if any skipped local time matched; after a
// fall-back, a fixed-time entry skips the repeated local times.
#include <date/tz.h>

#include <chrono>
#include <limits>

#include "core/cron/schedule.hpp"

namespace desaster::cron {
namespace {

constexpr std::int64_t kDay = 86'400;
constexpr std::int64_t kHorizon = 50LL * 366 * kDay;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

template <std::size_t N>
int next_bit(const std::bitset<N>& bits, int from) {
  for (int i = from < 0 ? 0 : from; i < static_cast<int>(N); ++i) {
    if (bits[static_cast<std::size_t>(i)]) return i;
  }
  return -1;
}

bool day_matches(const Schedule& s, const date::year_month_day& ymd, date::weekday wd) {
  if (!s.months[static_cast<unsigned>(ymd.month())]) return false;
  bool dom = s.days_of_month[static_cast<unsigned>(ymd.day())];
  bool dow = s.days_of_week[wd.c_encoding()];
  return (s.dom_star || s.dow_star) ? (dom && dow) : (dom || dow);
}

// The first matching time of day at or after `tod` seconds, if any.
std::optional<std::int64_t> next_time_of_day(const Schedule& s, std::int64_t tod) {
  const int h0 = static_cast<int>(tod / 3600);
  const int m0 = static_cast<int>(tod / 60 % 60);
  const int s0 = static_cast<int>(tod % 60);
  for (int h = next_bit(s.hours, h0); h >= 0; h = next_bit(s.hours, h + 1)) {
    const int m_from = h == h0 ? m0 : 0;
    for (int m = next_bit(s.minutes, m_from); m >= 0; m = next_bit(s.minutes, m + 1)) {
      const int sec = next_bit(s.seconds, (h == h0 && m == m0) ? s0 : 0);
      if (sec >= 0) return std::int64_t{h} * 3600 + m * 60 + sec;
    }
  }
  return std::nullopt;
}

// The first matching local time in [from, until), local seconds.
std::optional<std::int64_t> next_local(const Schedule& s, std::int64_t from, std::int64_t until) {
  std::int64_t day = floor_div(from, kDay);
  std::int64_t tod = from - day * kDay;
  while (day * kDay < until) {
    const date::sys_days d{date::days{day}};
    const date::year_month_day ymd{d};
    if (!s.months[static_cast<unsigned>(ymd.month())]) {
      // Jump to the first of the next month.
      const date::year_month next = date::year_month{ymd.year(), ymd.month()} + date::months{1};
      day = date::sys_days{next / 1}.time_since_epoch().count();
      tod = 0;
      continue;
    }
    if (day_matches(s, ymd, date::weekday{d})) {
      if (std::optional<std::int64_t> t = next_time_of_day(s, tod)) {
        const std::int64_t local = day * kDay + *t;
        if (local < until) return local;
        return std::nullopt;
      }
    }
    ++day;
    tod = 0;
  }
  return std::nullopt;
}

std::optional<TimeMs> next_in_zone(const Schedule& s, std::int64_t start, std::int64_t horizon) {
  using date::sys_seconds;
  using std::chrono::seconds;
  std::int64_t t = start;
  date::sys_info info = s.zone->get_info(sys_seconds{seconds{t}});
  while (t < horizon) {
    const std::int64_t begin = info.begin.time_since_epoch().count();
    const std::int64_t end = std::min(info.end.time_since_epoch().count(), horizon);
    const std::int64_t offset = info.offset.count();
    std::int64_t from = t;
    if (s.fixed_time && begin > std::numeric_limits<std::int64_t>::min() / 2) {
      // After a fall-back, the first local times of this segment repeat the
      // end of the last one: a fixed-time entry fired at their first pass.
      const date::sys_info prev = s.zone->get_info(sys_seconds{seconds{begin - 1}});
      const std::int64_t repeated = prev.offset.count() - offset;
      if (repeated > 0) from = std::max(from, begin + repeated);
    }
    if (from < end) {
      if (std::optional<std::int64_t> local = next_local(s, from + offset, end + offset)) {
        return (*local - offset) * 1000;
      }
    }
    if (end >= horizon) return std::nullopt;
    const date::sys_info next = s.zone->get_info(sys_seconds{seconds{end}});
    const std::int64_t skipped = next.offset.count() - offset;
    // Local times [end + offset, end + next offset) do not exist; a
    // fixed-time entry due in them fires at the first instant after.
    if (s.fixed_time && skipped > 0 && next_local(s, end + offset, end + offset + skipped)) {
      return end * 1000;
    }
    t = end;
    info = next;
  }
  return std::nullopt;
}

}  // namespace

std::int64_t utc_offset_seconds(const Schedule& s, TimeMs at) {
  if (s.zone == nullptr) return 0;
  const date::sys_seconds t{std::chrono::seconds{floor_div(at, 1000)}};
  return s.zone->get_info(t).offset.count();
}

bool matches_local(const Schedule& s, std::int64_t local) {
  const std::int64_t day = floor_div(local, kDay);
  const std::int64_t tod = local - day * kDay;
  const date::sys_days d{date::days{day}};
  if (!day_matches(s, date::year_month_day{d}, date::weekday{d})) return false;
  return s.hours[static_cast<std::size_t>(tod / 3600)] &&
         s.minutes[static_cast<std::size_t>(tod / 60 % 60)] &&
         s.seconds[static_cast<std::size_t>(tod % 60)];
}

std::optional<TimeMs> next_fire(const Schedule& s, TimeMs after) {
  // Keep far from the ends of int64 (and of date's year range).
  constexpr TimeMs kLimit = 100LL * 365 * kDay * 1000 * 50;  // ~5000 years either side
  if (after > kLimit || after < -kLimit) return std::nullopt;
  if (s.every_ms > 0) return (floor_div(after, s.every_ms) + 1) * s.every_ms;
  const std::int64_t start = floor_div(after, 1000) + 1;
  const std::int64_t horizon = start + kHorizon;
  if (s.zone == nullptr) {
    std::optional<std::int64_t> local = next_local(s, start, horizon);
    if (!local) return std::nullopt;
    return *local * 1000;
  }
  try {
    return next_in_zone(s, start, horizon);
  } catch (const std::exception&) {
    return std::nullopt;  // the zone data could not answer
  }
}

}  // namespace desaster::cron
