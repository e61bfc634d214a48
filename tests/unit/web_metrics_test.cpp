// desaster-web's metrics, without a server: --metrics on the command line,
// the fixed route labels, and the exposition the metrics port serves.
#include <catch2/catch.hpp>

#include "ui/web/server/query/web_options.hpp"
#include "ui/web/server/web_metrics.hpp"

using namespace desaster::web;

TEST_CASE("desaster-web's --metrics takes ADDR:PORT and must not be the page's port",
          "[web][metrics]") {
  auto o = parse_web_options({"--metrics", "localhost:9692"});
  REQUIRE(o.ok());
  CHECK(o->metrics_host == "127.0.0.1");
  CHECK(o->metrics_port == 9692);
  CHECK(parse_web_options({})->metrics_port == 0);
  CHECK_FALSE(parse_web_options({"--metrics", "9692"}).ok());
  CHECK_FALSE(parse_web_options({"--metrics", "127.0.0.1:0"}).ok());
  CHECK_FALSE(parse_web_options({"--metrics", "example.org:9692"}).ok());
  auto same = parse_web_options({"--listen", "127.0.0.1:2690", "--metrics", "127.0.0.1:2690"});
  REQUIRE_FALSE(same.ok());
  CHECK(same.status().message.find("--metrics") != std::string::npos);
  CHECK(parse_web_options({"--listen", "127.0.0.1:2690", "--metrics", "127.0.0.2:2690"}).ok());
}

TEST_CASE("routes are a fixed set: ids and names a client sends are cut off", "[web][metrics]") {
  CHECK(route_of("/api/overview") == "/api/overview");
  CHECK(route_of("/api/jobs") == "/api/jobs");
  CHECK(route_of("/api/jobs/0192abc") == "/api/jobs/:id");
  CHECK(route_of("/api/jobs/0192abc/retry") == "/api/jobs/:id");
  CHECK(route_of("/api/queues/mail/pause") == "/api/queues/:name");
  CHECK(route_of("/api/blacklist/clear") == "/api/blacklist/clear");
  CHECK(route_of("/api/cron/nightly") == "/api/cron/:name");
  CHECK(route_of("/api/whatever\"{}") == "/api/other");
  CHECK(route_of("/api/jobs/") == "/api/other");
  CHECK(route_of("/") == "/");
  CHECK(route_of("/assets/app.js") == "static");
  CHECK(route_of("/login") == "/login");
}

TEST_CASE("the exposition counts requests per route and code, and times all but SSE",
          "[web][metrics]") {
  WebMetrics m;
  m.on_response(route_of("/api/overview"), 200, 0.002);
  m.on_response(route_of("/api/overview"), 200, 0.004);
  m.on_response(route_of("/api/jobs/x"), 404, 0.001);
  m.on_response(route_of("/api/events"), 200, 120);
  m.on_response(route_of("/api/events"), 0, 3);
  m.on_feed_op(0.02);
  WebGauges g;
  g.sse_clients = 2;
  g.link_state = "reconnecting";
  g.applied_index = 42;
  const std::string text = m.render(g);
  INFO(text);
  auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
  CHECK(has(R"(desaster_web_http_requests_total{route="/api/overview",code="200"} 2)"));
  CHECK(has(R"(desaster_web_http_requests_total{route="/api/jobs/:id",code="404"} 1)"));
  CHECK(has(R"(desaster_web_http_requests_total{route="/api/events",code="0"} 1)"));
  CHECK(has(R"(desaster_web_http_request_duration_seconds_count{route="/api/overview"} 2)"));
  CHECK(text.find(R"(duration_seconds_count{route="/api/events"})") == std::string::npos);
  CHECK(has("desaster_web_sse_clients 2"));
  CHECK(has(R"(desaster_web_feed_link{state="reconnecting"} 1)"));
  CHECK(has(R"(desaster_web_feed_link{state="connected"} 0)"));
  CHECK(has("desaster_web_feed_applied_index 42"));
  CHECK(has("desaster_web_feed_lag_seconds_count 1"));
  CHECK(has("# TYPE desaster_web_feed_lag_seconds histogram"));
}
