// Which queue an HTTP request goes to: routes `HOST/PREFIX=QUEUE` from the
// command line, matched on the request's host and path. The longest
// matching prefix wins; a route with host `*` (or none: `/PREFIX=QUEUE`)
// matches every host, an exact host beats `*` at the same prefix length.
// Pure and bounded: at most kMaxRoutes routes, names as the protocol allows.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/status.hpp"

namespace desaster::http_front {

inline constexpr std::size_t kMaxRoutes = 256;
inline constexpr std::string_view kDefaultHttpQueue = "http";

struct HttpRoute {
  std::string host;    // lower case, without port; "*": any
  std::string prefix;  // starts with '/'
  std::string queue;
};

class HttpRoutes {
 public:
  // Parses and adds "HOST/PREFIX=QUEUE"; the error says what is wrong.
  Status add(std::string_view spec);
  // The queue for a request (host as the client sent it, maybe with a port).
  std::string queue_for(std::string_view host, std::string_view path) const;
  // The index of the route that matched, or nullopt for the default queue.
  std::optional<std::size_t> match(std::string_view host, std::string_view path) const;
  const std::vector<HttpRoute>& routes() const { return routes_; }

 private:
  std::vector<HttpRoute> routes_;
};

}  // namespace desaster::http_front
