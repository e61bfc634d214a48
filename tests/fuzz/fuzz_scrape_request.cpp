// Fuzzes the metrics listener's request parser: nothing may crash; a head
// past the bound is never "incomplete" (the connection cannot grow forever).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/node/metrics/scrape_request.hpp"

using namespace desaster::metrics;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ScrapeRequest r = parse_scrape_request(text);
  if (size > kMaxRequestHeadBytes && r == ScrapeRequest::incomplete) std::abort();
  return 0;
}
