// Parsing of the durations and times people type on command lines:
// "30s", "500ms", "5m", "2h", "1d", a bare number of seconds; times as Unix
// seconds or "YYYY-MM-DDTHH:MM:SSZ" (UTC).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/model/job.hpp"
#include "core/model/status.hpp"

namespace desaster {

Result<std::int64_t> parse_duration_ms(std::string_view text);
Result<TimeMs> parse_time_ms(std::string_view text);
// "1.5 s", "3 min", "2 h", "4 d": a rounded rendering for tables.
std::string format_duration_ms(std::int64_t ms);
// "2026-11-28T10:00:00Z", or "-" for 0.
std::string format_time_ms(TimeMs ms);

}  // namespace desaster
