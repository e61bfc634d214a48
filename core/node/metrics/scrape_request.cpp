#include "core/node/metrics/scrape_request.hpp"

namespace desaster::metrics {

namespace {

bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// A request target: printable ASCII, no spaces.
bool is_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return false;
  for (char c : target) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

ScrapeRequest parse_scrape_request(std::string_view received) {
  std::size_t end = received.find("\r\n\r\n");
  if (end == std::string_view::npos) end = received.find("\n\n");
  if (end == std::string_view::npos || end > kMaxRequestHeadBytes) {
    return received.size() > kMaxRequestHeadBytes ? ScrapeRequest::too_large
                                                  : ScrapeRequest::incomplete;
  }
  std::string_view line = received.substr(0, received.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

  const std::size_t first_space = line.find(' ');
  if (first_space == std::string_view::npos || first_space == 0) return ScrapeRequest::bad_request;
  const std::string_view method = line.substr(0, first_space);
  for (char c : method) {
    if (!is_token_char(c)) return ScrapeRequest::bad_request;
  }
  const std::string_view rest = line.substr(first_space + 1);
  const std::size_t second_space = rest.find(' ');
  if (second_space == std::string_view::npos) return ScrapeRequest::bad_request;
  const std::string_view target = rest.substr(0, second_space);
  const std::string_view version = rest.substr(second_space + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return ScrapeRequest::bad_request;
  if (!is_target(target)) return ScrapeRequest::bad_request;

  const std::string_view path = target.substr(0, target.find('?'));
  if (path != "/metrics") return ScrapeRequest::not_found;
  if (method == "GET") return ScrapeRequest::get_metrics;
  if (method == "HEAD") return ScrapeRequest::head_metrics;
  return ScrapeRequest::method_not_allowed;
}

}  // namespace desaster::metrics
