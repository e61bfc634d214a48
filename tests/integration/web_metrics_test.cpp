// desaster-web's own Prometheus metrics (--metrics ADDR:PORT): a real node,
// a real desaster-web following it, real HTTP requests and an SSE stream;
// the metrics port is scraped with curl and checked with promtool.
#include "tests/integration/harness/fixtures.hpp"
#include "tests/integration/harness/prometheus_text.hpp"
#include "tests/integration/web/web_harness.hpp"

using namespace desaster;
using namespace desaster::test;
using namespace desaster::test::web;

TEST_CASE("desaster-web serves its own metrics on their own port, and promtool accepts them",
          "[integration][web][metrics]") {
  RunningNode n;
  TempDir dir;
  const std::uint16_t web_port = free_port_triplet();
  const std::uint16_t metrics_port = free_port_triplet();
  WebProcess web(dir.path(), {"-c", "127.0.0.1:" + std::to_string(n.port), "--listen",
                              "127.0.0.1:" + std::to_string(web_port), "--metrics",
                              "127.0.0.1:" + std::to_string(metrics_port)});
  INFO(web.log());
  REQUIRE(web.start());
  auto scrape = [&] { return http(metrics_port, "GET", "/metrics", {}, {}); };

  REQUIRE(wait_until([&] {
    const HttpResponse r = http(web_port, "GET", "/api/overview", {}, {});
    return r.status == 200 && r.doc()["connection_state"] == "connected";
  }));
  const double overview_before = sample(
      scrape().body, R"(desaster_web_http_requests_total{route="/api/overview",code="200"})");
  for (int i = 0; i < 3; ++i) REQUIRE(http(web_port, "GET", "/api/overview", {}, {}).status == 200);
  // A job id and a file nobody has: each under its fixed route label.
  CHECK(http(web_port, "GET", "/api/jobs/no-such-job", {}, {}).status >= 400);
  CHECK(http(web_port, "GET", "/no-such-file.js", {}, {}).status == 404);

  SseStream events(web_port, "/api/events");
  REQUIRE(events.wait_for("hello", [](const json&) { return true; }));
  REQUIRE(n.client->enqueue(shell_job("true", "mail")).ok());

  std::string text;
  REQUIRE(wait_until([&] {
    text = scrape().body;
    return sample(text, "desaster_web_sse_clients") == 1 &&
           sample(text, "desaster_web_feed_lag_seconds_count") >= 1;
  }));
  INFO(text);
  CHECK(sample(text, R"(desaster_web_http_requests_total{route="/api/overview",code="200"})") ==
        overview_before + 3);
  CHECK(
      sample(text, R"(desaster_web_http_request_duration_seconds_count{route="/api/overview"})") >=
      overview_before + 3);
  CHECK(text.find(R"(desaster_web_http_requests_total{route="/api/jobs/:id",code=")") !=
        std::string::npos);
  CHECK(sample(text, R"(desaster_web_http_requests_total{route="static",code="404"})") == 1);
  CHECK(text.find("no-such") == std::string::npos);  // client paths never become labels
  CHECK(sample(text, R"(desaster_web_feed_link{state="connected"})") == 1);
  CHECK(sample(text, "desaster_web_feed_applied_index") >= 1);

  // promtool reads it as Prometheus would and lints the names.
  const std::string url = "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics";
  CommandResult lint =
      run_command({"sh", "-c", "curl -sSf '" + url + "' | promtool check metrics"});
  INFO(lint.out << lint.err);
  CHECK(lint.exit_status == 0);

  const HttpResponse metrics = scrape();
  CHECK(metrics.headers.at("content-type").find("version=0.0.4") != std::string::npos);
  CHECK(http(metrics_port, "GET", "/api/overview", {}, {}).status == 404);
  // The page's port has no /metrics of its own: it is not an API route.
  CHECK(http(web_port, "GET", "/metrics", {}, {}).status == 404);
}

TEST_CASE("desaster-web refuses a --metrics port that is the page's own",
          "[integration][web][metrics]") {
  TempDir dir;
  const std::uint16_t web_port = free_port_triplet();
  const std::string same = "127.0.0.1:" + std::to_string(web_port);
  WebProcess web(dir.path(), {"--listen", same, "--metrics", same});
  web.spawn();
  CHECK(web.wait_exit() == 2);
  CHECK(web.log().find("--metrics") != std::string::npos);
}
