// Formatting for desaster-top's cells and header: pure text functions, so
// the screen model and its tests need no terminal. Widths count code points
// (every character the monitor shows is one column wide); text from the
// network is cleaned of control characters before it is measured.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace desaster::top {

// Replaces control characters and invalid UTF-8 with '?', so a hostile
// queue name or error cannot move the cursor or break the layout.
std::string printable(std::string_view text);
// Code points in valid UTF-8 text.
std::size_t display_width(std::string_view text);
// Cut to at most width columns (never inside a code point), then padded
// with spaces to exactly width; right-aligned when right is set.
std::string fit(std::string_view text, std::size_t width, bool right = false);

// "512K", "3.4M", "1.2G": kibibytes for tables.
std::string format_kib(std::uint64_t kib);
// "0", "12", "1.2k", "3.4M": counts in a narrow column.
std::string format_count(std::uint64_t n);
// "0.0", "12.5", "1.2k": a per-second rate.
std::string format_rate(double per_second);
// "45s", "3m", "2h", "4d"; "-" below 0.
std::string format_age_ms(std::int64_t ms);
// One character per value, scaled to the largest; utf8 picks block
// characters, otherwise ASCII " .:-=+*#". Keeps the last `width` values.
std::string sparkline(const std::vector<double>& values, std::size_t width, bool utf8);

}  // namespace desaster::top
