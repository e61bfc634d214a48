// Fuzzes the cron schedule parser: any bytes (a zone name before the first
// newline, the schedule after it) must give a schedule or an error, never a
// crash, and a schedule that parses must answer next_fire with an instant
// strictly later than the one asked about, or none.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/cron/schedule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view zone = newline == std::string_view::npos ? "" : input.substr(0, newline);
  const std::string_view text =
      newline == std::string_view::npos ? input : input.substr(newline + 1);
  auto parsed = desaster::cron::parse_schedule(text, zone);
  if (!parsed.ok()) {
    if (parsed.status().message.empty()) std::abort();
    return 0;
  }
  const desaster::TimeMs after = 1'750'000'000'000;
  auto next = desaster::cron::next_fire(*parsed, after);
  if (next && *next <= after) std::abort();
  return 0;
}
