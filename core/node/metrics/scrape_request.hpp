// The one HTTP request the metrics listener answers, read from untrusted
// bytes: "GET /metrics" (or HEAD), any query string, HTTP/1.0 or 1.1. Pure
// and bounded: the request head may take at most kMaxRequestHeadBytes.
#pragma once

#include <cstddef>
#include <string_view>

namespace desaster::metrics {

inline constexpr std::size_t kMaxRequestHeadBytes = 8192;

enum class ScrapeRequest {
  incomplete,          // the head has not ended yet: read more
  get_metrics,         // GET /metrics
  head_metrics,        // HEAD /metrics
  not_found,           // another path: 404
  method_not_allowed,  // another method: 405
  bad_request,         // not an HTTP/1.x request line: 400
  too_large,           // no end of the head within the bound: 431
};

// received: every byte read so far on the connection.
ScrapeRequest parse_scrape_request(std::string_view received);

}  // namespace desaster::metrics
