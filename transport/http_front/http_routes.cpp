#include "transport/http_front/http_routes.hpp"

#include <algorithm>

namespace desaster::http_front {

namespace {

constexpr std::size_t kMaxName = 255;

Status bad(std::string_view spec, const std::string& why) {
  return Status::error(ErrorCode::bad_request, "'" + std::string(spec.substr(0, 300)) +
                                                   "' is not HOST/PREFIX=QUEUE: " + why);
}

bool printable(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// "Example.org:8080" -> "example.org"; "[::1]:80" -> "[::1]".
std::string bare_host(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return lower(close == std::string_view::npos ? host : host.substr(0, close + 1));
  }
  const auto colon = host.rfind(':');
  return lower(colon == std::string_view::npos ? host : host.substr(0, colon));
}

// A prefix matches at a segment boundary: /api matches /api and /api/x,
// not /apix.
bool prefix_matches(std::string_view prefix, std::string_view path) {
  if (prefix == "/") return true;
  if (!path.starts_with(prefix)) return false;
  if (path.size() == prefix.size() || prefix.back() == '/') return true;
  const char next = path[prefix.size()];
  return next == '/' || next == '?';
}

}  // namespace

Status HttpRoutes::add(std::string_view spec) {
  if (routes_.size() >= kMaxRoutes) return bad(spec, "at most 256 routes");
  const auto eq = spec.rfind('=');
  if (eq == std::string_view::npos) return bad(spec, "no '=QUEUE'");
  const std::string_view left = spec.substr(0, eq);
  const std::string_view queue = spec.substr(eq + 1);
  if (queue.empty() || queue.size() > kMaxName || !printable(queue))
    return bad(spec, "the queue must be 1-255 printable characters");
  const auto slash = left.find('/');
  if (slash == std::string_view::npos) return bad(spec, "no '/PREFIX' (use HOST/ for all paths)");
  const std::string_view host = left.substr(0, slash);
  const std::string_view prefix = left.substr(slash);
  if (host.size() > kMaxName || !printable(host) || host.find(':') != std::string_view::npos)
    return bad(spec, "the host must be a name without port, or '*'");
  if (prefix.size() > 1024 || !printable(prefix) || prefix.find('?') != std::string_view::npos)
    return bad(spec, "the prefix must be a path of printable characters without '?'");
  routes_.push_back(
      HttpRoute{host.empty() ? "*" : lower(host), std::string(prefix), std::string(queue)});
  return {};
}

std::optional<std::size_t> HttpRoutes::match(std::string_view host, std::string_view path) const {
  const std::string wanted = bare_host(host);
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const HttpRoute& r = routes_[i];
    const bool exact = r.host == wanted;
    if (!exact && r.host != "*") continue;
    if (!prefix_matches(r.prefix, path)) continue;
    if (!best) {
      best = i;
      continue;
    }
    const HttpRoute& b = routes_[*best];
    if (r.prefix.size() > b.prefix.size() ||
        (r.prefix.size() == b.prefix.size() && exact && b.host == "*")) {
      best = i;
    }
  }
  return best;
}

std::string HttpRoutes::queue_for(std::string_view host, std::string_view path) const {
  const auto i = match(host, path);
  return i ? routes_[*i].queue : std::string(kDefaultHttpQueue);
}

}  // namespace desaster::http_front
