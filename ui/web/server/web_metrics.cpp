#include "ui/web/server/web_metrics.hpp"

#include <array>

namespace desaster::web {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string_view route_of(std::string_view path) {
  // Exact API paths, then resources whose next segment is a client's id or
  // name (cut off: each name would be a series of its own).
  static constexpr std::array<std::string_view, 14> kExact = {
      "/login",         "/logout",           "/api/session",   "/api/overview",
      "/api/queues",    "/api/jobs",         "/api/events",    "/api/workers",
      "/api/resources", "/api/actions",      "/api/blacklist", "/api/blacklist/clear",
      "/api/cron",      "/api/failed/groups"};
  static constexpr std::array<std::string_view, 6> kPrefixed = {
      "/api/jobs/:id",    "/api/queues/:name", "/api/operations/:id",
      "/api/pools/:name", "/api/nodes/:id",    "/api/cron/:name"};
  for (std::string_view exact : kExact)
    if (path == exact) return exact;
  for (std::string_view route : kPrefixed) {
    const std::string_view prefix = route.substr(0, route.rfind('/') + 1);
    if (starts_with(path, prefix) && path.size() > prefix.size()) return route;
  }
  if (path == "/") return "/";
  if (starts_with(path, "/api/")) return "/api/other";
  return "static";
}

void WebMetrics::on_response(std::string_view route, int status, double seconds) {
  auto it = routes_.find(route);
  if (it == routes_.end()) it = routes_.try_emplace(std::string(route)).first;
  ++it->second.by_status[status];
  // An SSE stream's "latency" is how long the browser stayed: not a request
  // time, so it stays out of the histogram.
  if (route != "/api/events") it->second.latency.observe(seconds);
}

void WebMetrics::on_feed_op(double lag_seconds) {
  std::lock_guard lock(feed_mutex_);
  feed_lag_.observe(lag_seconds);
}

std::string WebMetrics::render(const WebGauges& gauges) const {
  using metrics::MetricType;
  metrics::Exposition out;
  out.family("desaster_web_http_requests_total", MetricType::counter,
             "HTTP requests answered, per route and status code (0: the client left first).");
  for (const auto& [route, counters] : routes_) {
    for (const auto& [status, count] : counters.by_status) {
      const std::string code = std::to_string(status);
      out.sample("desaster_web_http_requests_total", {{"route", route}, {"code", code}}, count);
    }
  }
  out.family("desaster_web_http_request_duration_seconds", MetricType::histogram,
             "From a request's arrival to the end of its answer, per route (not the SSE "
             "stream).");
  for (const auto& [route, counters] : routes_) {
    if (counters.latency.count() == 0) continue;
    counters.latency.write(out, "desaster_web_http_request_duration_seconds", {{"route", route}});
  }
  out.family("desaster_web_sse_clients", MetricType::gauge,
             "Browsers following the live event stream (/api/events).");
  out.sample("desaster_web_sse_clients", {}, gauges.sse_clients);
  out.family("desaster_web_feed_link", MetricType::gauge,
             "1 for the state of the link to the node's state feed.");
  for (const char* state : {"connected", "reconnecting", "disconnected"}) {
    out.sample("desaster_web_feed_link", {{"state", state}},
               std::uint64_t{gauges.link_state == state ? 1u : 0u});
  }
  out.family("desaster_web_feed_applied_index", MetricType::gauge,
             "Last log index the replica applied.");
  out.sample("desaster_web_feed_applied_index", {}, gauges.applied_index);
  out.family("desaster_web_feed_term", MetricType::gauge, "Term of the last op applied.");
  out.sample("desaster_web_feed_term", {}, gauges.term);
  out.family("desaster_web_feed_events_dropped_total", MetricType::counter,
             "Op events dropped because no SSE push took them in time.");
  out.sample("desaster_web_feed_events_dropped_total", {}, gauges.events_dropped);
  out.family("desaster_web_feed_lag_seconds", MetricType::histogram,
             "From an op's timestamp on the leader to its apply in this replica (the two "
             "clocks may differ).");
  {
    std::lock_guard lock(feed_mutex_);
    feed_lag_.write(out, "desaster_web_feed_lag_seconds", {});
  }
  return out.take();
}

}  // namespace desaster::web
