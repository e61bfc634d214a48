// desaster-web's own Prometheus metrics, served on their own port
// (--metrics ADDR:PORT, GET /metrics): requests per route and status code
// and their latency, the browsers following the SSE stream, and the state
// feed it replicates (link state, applied index, how late ops arrive).
//
// Routes are a fixed set (route_of), so whatever paths clients send, the
// series stay bounded. The request side runs on the loop thread; the feed
// lag is observed on the replica's feed thread, hence the mutex.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "core/metrics/exposition.hpp"
#include "core/metrics/histogram.hpp"

namespace desaster::web {

// The route label of a request path (after the base path): the API's
// resources with their ids cut off ("/api/jobs/:id"), "static" for the page's
// files, "other" for anything else.
std::string_view route_of(std::string_view path);

// What the loop reads at a scrape.
struct WebGauges {
  std::uint64_t sse_clients = 0;
  std::string link_state;  // connected, reconnecting, disconnected
  std::uint64_t applied_index = 0;
  std::uint64_t term = 0;
  std::uint64_t events_dropped = 0;  // op events no SSE push took in time
};

class WebMetrics {
 public:
  // One answered request (status 0: the client left before an answer).
  void on_response(std::string_view route, int status, double seconds);
  // An op applied from the feed, seconds after its leader stamped it (any
  // thread).
  void on_feed_op(double lag_seconds);
  std::string render(const WebGauges& gauges) const;

 private:
  struct RouteCounters {
    std::map<int, std::uint64_t> by_status;
    metrics::Histogram latency;
  };
  std::map<std::string, RouteCounters, std::less<>> routes_;  // loop thread
  mutable std::mutex feed_mutex_;
  metrics::Histogram feed_lag_;
};

}  // namespace desaster::web
