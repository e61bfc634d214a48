#include "ui/common/durations.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>

namespace desaster {

namespace {

Status bad(std::string_view text, const char* expected) {
  return Status::error(ErrorCode::bad_request, "'" + std::string(text) + "' is not " + expected);
}

bool parse_digits(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && out >= 0;
}

}  // namespace

Result<std::int64_t> parse_duration_ms(std::string_view text) {
  constexpr const char* kExpected = "a duration (like 500ms, 30s, 5m, 2h, 1d)";
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::int64_t value = 0;
  if (!parse_digits(text.substr(0, digits), value)) return bad(text, kExpected);
  std::string_view unit = text.substr(digits);
  std::int64_t scale;
  if (unit.empty() || unit == "s")
    scale = 1000;
  else if (unit == "ms")
    scale = 1;
  else if (unit == "m")
    scale = 60'000;
  else if (unit == "h")
    scale = 3'600'000;
  else if (unit == "d")
    scale = 86'400'000;
  else
    return bad(text, kExpected);
  // Ten years is plenty; more is a typo, and would overflow soon after.
  if (value > 10ll * 365 * 86'400'000 / scale) return bad(text, "a duration of ten years or less");
  return value * scale;
}

Result<TimeMs> parse_time_ms(std::string_view text) {
  constexpr const char* kExpected = "a time (Unix seconds or YYYY-MM-DDTHH:MM:SSZ)";
  std::int64_t seconds = 0;
  if (parse_digits(text, seconds)) {
    if (seconds > 253402300799) return bad(text, kExpected);  // past year 9999
    return seconds * 1000;
  }
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return bad(text, kExpected);
  }
  std::int64_t year, month, day, hour, minute, second;
  if (!parse_digits(text.substr(0, 4), year) || !parse_digits(text.substr(5, 2), month) ||
      !parse_digits(text.substr(8, 2), day) || !parse_digits(text.substr(11, 2), hour) ||
      !parse_digits(text.substr(14, 2), minute) || !parse_digits(text.substr(17, 2), second) ||
      month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad(text, kExpected);
  }
  std::tm tm{};
  tm.tm_year = static_cast<int>(year - 1900);
  tm.tm_mon = static_cast<int>(month - 1);
  tm.tm_mday = static_cast<int>(day);
  tm.tm_hour = static_cast<int>(hour);
  tm.tm_min = static_cast<int>(minute);
  tm.tm_sec = static_cast<int>(second);
  return static_cast<TimeMs>(timegm(&tm)) * 1000;
}

std::string format_duration_ms(std::int64_t ms) {
  char buf[32];
  if (ms < 1000)
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  else if (ms < 60'000)
    std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
  else if (ms < 3'600'000)
    std::snprintf(buf, sizeof buf, "%.0f min", ms / 60'000.0);
  else if (ms < 86'400'000)
    std::snprintf(buf, sizeof buf, "%.1f h", ms / 3'600'000.0);
  else
    std::snprintf(buf, sizeof buf, "%.1f d", ms / 86'400'000.0);
  return buf;
}

std::string format_time_ms(TimeMs ms) {
  if (ms <= 0) return "-";
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace desaster
