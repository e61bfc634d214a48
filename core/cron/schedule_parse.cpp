// The schedule grammar (schedule.hpp): crontab fields into bit sets, the
// @ shorthands, @every durations, and the zone name. Every error names the
// field and the text at fault.
#include <date/tz.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "core/cron/schedule.hpp"

namespace desaster::cron {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names for min.. (null: numbers only)
  int names_base;            // the value of names[0]
  int names_count;
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr FieldSpec kSecond{"second", 0, 59, nullptr, 0, 0};
constexpr FieldSpec kMinute{"minute", 0, 59, nullptr, 0, 0};
constexpr FieldSpec kHour{"hour", 0, 23, nullptr, 0, 0};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31, nullptr, 0, 0};
constexpr FieldSpec kMonth{"month", 1, 12, kMonthNames, 1, 12};
// 7 is Sunday as well, folded into 0 after parsing.
constexpr FieldSpec kDayOfWeek{"day-of-week", 0, 7, kDayNames, 0, 7};

Status field_error(const FieldSpec& f, std::string_view item, const std::string& why) {
  return Status::error(ErrorCode::bad_request,
                       std::string(f.name) + " field '" + std::string(item) + "': " + why);
}

std::string range_text(const FieldSpec& f) {
  return "out of range " + std::to_string(f.min) + "-" + std::to_string(f.max);
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// A number or (for months and weekdays) a three-letter name.
bool parse_value(const FieldSpec& f, std::string_view text, int& out, std::string& why) {
  if (text.empty()) {
    why = "a value is missing";
    return false;
  }
  if (text[0] >= '0' && text[0] <= '9') {
    if (text.size() > 4) {
      why = range_text(f);
      return false;
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc() || end != text.data() + text.size()) {
      why = "'" + std::string(text) + "' is not a number";
      return false;
    }
    if (out < f.min || out > f.max) {
      why = range_text(f);
      return false;
    }
    return true;
  }
  if (f.names != nullptr && text.size() == 3) {
    for (int i = 0; i < f.names_count; ++i) {
      const char* name = f.names[i];
      if (lower(text[0]) == name[0] && lower(text[1]) == name[1] && lower(text[2]) == name[2]) {
        out = f.names_base + i;
        return true;
      }
    }
  }
  why = f.names != nullptr ? "'" + std::string(text) + "' is not a number or a name"
                           : "'" + std::string(text) + "' is not a number";
  return false;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t at = text.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
}

// One field: a comma list of `*`, `N`, `N-M`, each with an optional `/STEP`.
// Sets bits min..max of `bits` (indexes are the values).
template <std::size_t N>
Status parse_field(const FieldSpec& f, std::string_view text, std::bitset<N>& bits) {
  if (text.empty()) return field_error(f, text, "empty");
  for (std::string_view item : split(text, ',')) {
    std::string why;
    std::string_view range = item;
    int step = 1;
    if (std::size_t slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      std::string_view step_text = item.substr(slash + 1);
      auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (step_text.empty() || step_text.size() > 4 || ec != std::errc() ||
          end != step_text.data() + step_text.size()) {
        return field_error(f, item, "step '" + std::string(step_text) + "' is not a number");
      }
      if (step < 1 || step > f.max) {
        return field_error(f, item, "step out of range 1-" + std::to_string(f.max));
      }
    }
    int low = f.min;
    int high = f.max;
    if (range == "*") {
      // the whole range
    } else if (std::size_t dash = range.find('-'); dash != std::string_view::npos) {
      if (!parse_value(f, range.substr(0, dash), low, why) ||
          !parse_value(f, range.substr(dash + 1), high, why)) {
        return field_error(f, item, why);
      }
      if (low > high) return field_error(f, item, "the range runs backwards");
    } else {
      if (!parse_value(f, range, low, why)) return field_error(f, item, why);
      // `N/STEP` runs to the end of the range, `N` alone is one value.
      if (item.find('/') == std::string_view::npos) high = low;
    }
    for (int v = low; v <= high; v += step) bits.set(static_cast<std::size_t>(v));
  }
  return Status::success();
}

bool starts_with_star(std::string_view field) {
  return !field.empty() && field[0] == '*';
}

// `@every` durations: a sequence of NUMBER UNIT (ms, s, m, h, d).
Status parse_every(std::string_view text, std::int64_t& out) {
  const Status bad = Status::error(
      ErrorCode::bad_request, "@every '" + std::string(text) +
                                  "': expected a duration such as 30s, 5m, 1h30m (1s to 366d)");
  if (text.empty()) return bad;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t digits = i;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == i || digits - i > 9) return bad;
    std::int64_t n = 0;
    std::from_chars(text.data() + i, text.data() + digits, n);
    std::size_t unit_end = digits;
    while (unit_end < text.size() && (text[unit_end] < '0' || text[unit_end] > '9')) ++unit_end;
    std::string_view unit = text.substr(digits, unit_end - digits);
    std::int64_t scale = 0;
    if (unit == "ms")
      scale = 1;
    else if (unit == "s")
      scale = 1000;
    else if (unit == "m")
      scale = 60'000;
    else if (unit == "h")
      scale = 3'600'000;
    else if (unit == "d")
      scale = 86'400'000;
    else
      return bad;
    total += n * scale;  // n < 10^9, scale < 10^8: no overflow in a few terms
    if (total > 366LL * 86'400'000) return bad;
    i = unit_end;
  }
  if (total < 1000) return bad;
  out = total;
  return Status::success();
}

// The shorthands as the five fields they stand for.
std::string_view expand_shorthand(std::string_view text) {
  if (text == "@hourly") return "0 * * * *";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  return {};
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// Days in each month at most (February: 29), to refuse a schedule that can
// never fire ("30 2").
constexpr std::array<int, 13> kMaxDays{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

Status parse_fields(const std::vector<std::string_view>& fields, Schedule& s) {
  std::size_t i = 0;
  if (fields.size() == 6) {
    if (Status st = parse_field(kSecond, fields[i++], s.seconds); !st.ok()) return st;
  } else {
    s.seconds.set(0);
  }
  std::string_view minute = fields[i];
  std::string_view hour = fields[i + 1];
  std::string_view dom = fields[i + 2];
  std::string_view dow = fields[i + 4];
  if (Status st = parse_field(kMinute, minute, s.minutes); !st.ok()) return st;
  if (Status st = parse_field(kHour, hour, s.hours); !st.ok()) return st;
  if (Status st = parse_field(kDayOfMonth, dom, s.days_of_month); !st.ok()) return st;
  if (Status st = parse_field(kMonth, fields[i + 3], s.months); !st.ok()) return st;
  std::bitset<8> dow_bits;
  if (Status st = parse_field(kDayOfWeek, dow, dow_bits); !st.ok()) return st;
  for (std::size_t d = 0; d < 7; ++d) s.days_of_week[d] = dow_bits[d];
  if (dow_bits[7]) s.days_of_week.set(0);
  s.dom_star = starts_with_star(dom);
  s.dow_star = starts_with_star(dow);
  s.fixed_time = !starts_with_star(minute) && !starts_with_star(hour);
  // With the weekday unrestricted, the day-of-month alone decides: it must
  // exist in one of the months.
  if (s.dow_star) {
    bool possible = false;
    for (int m = 1; m <= 12 && !possible; ++m) {
      if (!s.months[static_cast<std::size_t>(m)]) continue;
      for (int d = 1; d <= kMaxDays[static_cast<std::size_t>(m)]; ++d) {
        if (s.days_of_month[static_cast<std::size_t>(d)]) possible = true;
      }
    }
    if (!possible) {
      return field_error(kDayOfMonth, dom, "no such day in the months given, never fires");
    }
  }
  return Status::success();
}

}  // namespace

Status check_zone(std::string_view zone) {
  if (zone.empty() || zone == "UTC") return Status::success();
  if (zone.size() > kMaxZoneName) {
    return Status::error(ErrorCode::bad_request, "time zone: longer than 64 bytes");
  }
  for (char c : zone) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) {
      return Status::error(ErrorCode::bad_request,
                           "time zone '" + std::string(zone) + "': not a zone name");
    }
  }
  try {
    (void)date::locate_zone(zone);
  } catch (const std::exception&) {
    return Status::error(ErrorCode::bad_request,
                         "time zone '" + std::string(zone) + "': not in the tz database");
  }
  return Status::success();
}

Result<Schedule> parse_schedule(std::string_view text, std::string_view zone) {
  if (text.size() > kMaxScheduleText) {
    return Status::error(ErrorCode::bad_request, "schedule: longer than 256 bytes");
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      return Status::error(ErrorCode::bad_request, "schedule: control character");
    }
    if (static_cast<unsigned char>(c) >= 0x7f) {
      return Status::error(ErrorCode::bad_request, "schedule: not ASCII");
    }
  }
  if (Status st = check_zone(zone); !st.ok()) return st;
  Schedule s;
  if (!zone.empty() && zone != "UTC") s.zone = date::locate_zone(zone);

  std::vector<std::string_view> fields = words(text);
  if (fields.empty()) return Status::error(ErrorCode::bad_request, "schedule: empty");
  if (fields[0][0] == '@') {
    if (fields[0] == "@every") {
      if (fields.size() != 2) {
        return Status::error(ErrorCode::bad_request,
                             "@every: expected one duration, as '@every 30s'");
      }
      if (Status st = parse_every(fields[1], s.every_ms); !st.ok()) return st;
      return s;
    }
    std::string_view expanded = expand_shorthand(fields[0]);
    if (expanded.empty() || fields.size() != 1) {
      return Status::error(ErrorCode::bad_request,
                           "schedule '" + std::string(fields[0]) +
                               "': expected @hourly, @daily, @weekly, @monthly, @yearly or @every");
    }
    fields = words(expanded);
  }
  if (fields.size() != 5 && fields.size() != 6) {
    return Status::error(ErrorCode::bad_request,
                         "schedule: expected 5 fields (minute hour day-of-month month "
                         "day-of-week) or 6 with seconds first, got " +
                             std::to_string(fields.size()));
  }
  if (Status st = parse_fields(fields, s); !st.ok()) return st;
  return s;
}

}  // namespace desaster::cron
