// Fuzzes cron_origin, which reads a cron job's entry and instant back from
// its unique key: any bytes give an origin or none, never a crash, and an
// origin written back as a key reads back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/model/cron_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto origin = desaster::cron_origin(input);
  if (!origin) return 0;
  if (origin->name.empty() || origin->instant < 0) std::abort();
  std::string key = desaster::cron_unique_key(origin->name, origin->instant);
  if (origin->manual) key += "/run";
  const auto again = desaster::cron_origin(key);
  if (!again || again->name != origin->name || again->instant != origin->instant ||
      again->manual != origin->manual)
    std::abort();
  return 0;
}
