// The metrics module's pure parts: the exposition format (escaping of
// hostile label values), histograms, the per-queue counters fed with
// applied ops, the scrape request parser and the flags.
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/metrics/exposition.hpp"
#include "core/metrics/histogram.hpp"
#include "core/node/metrics/job_metrics.hpp"
#include "core/node/metrics/scrape_request.hpp"
#include "core/node/options.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::metrics;
using desaster::testing::kT0;
using desaster::testing::make_job;

TEST_CASE("label values escape backslash, quote and line feed as the format says", "[metrics]") {
  CHECK(escape_label_value("mail") == "mail");
  CHECK(escape_label_value(R"(a\b)") == R"(a\\b)");
  CHECK(escape_label_value(R"(say "hi")") == R"(say \"hi\")");
  CHECK(escape_label_value("two\nlines") == R"(two\nlines)");
  CHECK(escape_label_value("ünïcode") == "ünïcode");
}

TEST_CASE("a hostile queue name cannot end its sample line or forge another", "[metrics]") {
  Exposition out;
  out.family("desaster_queue_depth", MetricType::gauge, "depth\nwith a \\ break");
  const std::string hostile = "x\"} 1\ndesaster_forged{queue=\"y\\";
  out.sample("desaster_queue_depth", {{"queue", hostile}}, std::uint64_t{3});
  const std::string text = out.text();
  CHECK(text ==
        "# HELP desaster_queue_depth depth\\nwith a \\\\ break\n"
        "# TYPE desaster_queue_depth gauge\n"
        "desaster_queue_depth{queue=\"x\\\"} 1\\ndesaster_forged{queue=\\\"y\\\\\"} 3\n");
  // Three lines: no forged one.
  CHECK(std::count(text.begin(), text.end(), '\n') == 3);
}

TEST_CASE("invalid UTF-8 in a label value is repaired", "[metrics]") {
  const std::string value = escape_label_value(std::string("a\xff\xfe", 3));
  CHECK(value == "a\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("sample values print as integers, shortest decimals and infinities", "[metrics]") {
  CHECK(format_value(3) == "3");
  CHECK(format_value(0.25) == "0.25");
  CHECK(format_value(1.0 / 0.0) == "+Inf");
  CHECK(format_value(-1.0 / 0.0) == "-Inf");
}

TEST_CASE("a histogram writes cumulative buckets, +Inf, sum and count", "[metrics]") {
  Histogram h;
  h.observe(0.003);
  h.observe(0.2);
  h.observe(7200);
  h.observe(-1);  // clocks apart: counts as 0
  Exposition out;
  h.write(out, "x_seconds", {{"queue", "q"}});
  const std::string text = out.text();
  CHECK(text.find("x_seconds_bucket{queue=\"q\",le=\"0.005\"} 2\n") != std::string::npos);
  CHECK(text.find("x_seconds_bucket{queue=\"q\",le=\"0.25\"} 3\n") != std::string::npos);
  CHECK(text.find("x_seconds_bucket{queue=\"q\",le=\"3600\"} 3\n") != std::string::npos);
  CHECK(text.find("x_seconds_bucket{queue=\"q\",le=\"+Inf\"} 4\n") != std::string::npos);
  CHECK(text.find("x_seconds_count{queue=\"q\"} 4\n") != std::string::npos);
  CHECK(text.find("x_seconds_sum{queue=\"q\"} 7200.203\n") != std::string::npos);
}

TEST_CASE("a histogram with the sync buckets starts at 0.1 ms and ends at 10 s", "[metrics]") {
  Histogram h(kSyncBuckets);
  h.observe(0.00004);
  h.observe(0.0007);
  h.observe(30);
  Exposition out;
  h.write(out, "s_seconds", {});
  const std::string text = out.text();
  CHECK(text.find("s_seconds_bucket{le=\"0.0001\"} 1\n") != std::string::npos);
  CHECK(text.find("s_seconds_bucket{le=\"0.001\"} 2\n") != std::string::npos);
  CHECK(text.find("s_seconds_bucket{le=\"10\"} 2\n") != std::string::npos);
  CHECK(text.find("s_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("le=\"3600\"") == std::string::npos);
}

TEST_CASE("job metrics count enqueues, completions and latencies per queue from applied ops",
          "[metrics]") {
  desaster::testing::Log log;
  JobMetrics metrics;
  auto step = [&](const Op& op) { metrics.on_applied(op, log.step(op), log.state); };
  step(EnqueueOp{{make_job(1, "mail"), make_job(2, "mail"), make_job(3, "video")}});
  log.now += 1500;
  step(LeaseOp{{LeaseGrant{1, 1, "node-a", "w1", 0}, LeaseGrant{2, 1, "node-a", "w1", 0}}});
  log.now += 250;
  Completion ok;
  ok.id = 1;
  ok.term = log.term;
  ok.attempt = 1;
  ok.outcome = Outcome::succeeded;
  Completion bad = ok;
  bad.id = 2;
  bad.outcome = Outcome::failed;
  bad.exit_status = 1;
  bad.error = "boom";
  step(CompleteOp{{ok, bad}});

  Exposition out;
  metrics.write(out);
  const std::string text = out.text();
  INFO(text);
  CHECK(text.find("desaster_jobs_enqueued_total{queue=\"mail\"} 2\n") != std::string::npos);
  CHECK(text.find("desaster_jobs_enqueued_total{queue=\"video\"} 1\n") != std::string::npos);
  CHECK(text.find("desaster_jobs_processed_total{queue=\"mail\"} 1\n") != std::string::npos);
  CHECK(text.find("desaster_jobs_failed_total{queue=\"mail\"} 1\n") != std::string::npos);
  CHECK(text.find("desaster_jobs_dead_total{queue=\"mail\"} 0\n") != std::string::npos);
  CHECK(text.find("desaster_job_queue_wait_seconds_sum{queue=\"mail\"} 3\n") != std::string::npos);
  CHECK(text.find("desaster_job_queue_wait_seconds_count{queue=\"mail\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("desaster_job_run_seconds_sum{queue=\"mail\"} 0.5\n") != std::string::npos);
  CHECK(text.find("desaster_job_run_seconds_count{queue=\"mail\"} 2\n") != std::string::npos);
  // Each family is declared once.
  std::size_t declared = 0;
  for (std::size_t at = text.find("# TYPE desaster_jobs_enqueued_total"); at != std::string::npos;
       at = text.find("# TYPE desaster_jobs_enqueued_total", at + 1))
    ++declared;
  CHECK(declared == 1);
}

TEST_CASE("queues beyond the tracked number are counted together as (other)", "[metrics]") {
  desaster::testing::Log log;
  JobMetrics metrics;
  for (JobId id = 1; id <= JobMetrics::kMaxQueues + 5; ++id) {
    const Op op = EnqueueOp{{make_job(id, "q" + std::to_string(id))}};
    metrics.on_applied(op, log.step(op), log.state);
  }
  Exposition out;
  metrics.write(out);
  CHECK(out.text().find("desaster_jobs_enqueued_total{queue=\"(other)\"} 5\n") !=
        std::string::npos);
}

TEST_CASE("the scrape request parser answers only GET and HEAD of /metrics", "[metrics]") {
  CHECK(parse_scrape_request("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") ==
        ScrapeRequest::get_metrics);
  CHECK(parse_scrape_request("GET /metrics?name[]=x HTTP/1.0\r\n\r\n") ==
        ScrapeRequest::get_metrics);
  CHECK(parse_scrape_request("HEAD /metrics HTTP/1.1\n\n") == ScrapeRequest::head_metrics);
  CHECK(parse_scrape_request("GET /metrics HTTP/1.1\r\nHost: x\r\n") == ScrapeRequest::incomplete);
  CHECK(parse_scrape_request("GET / HTTP/1.1\r\n\r\n") == ScrapeRequest::not_found);
  CHECK(parse_scrape_request("POST /metrics HTTP/1.1\r\n\r\n") ==
        ScrapeRequest::method_not_allowed);
  CHECK(parse_scrape_request("GET /metrics HTTP/2\r\n\r\n") == ScrapeRequest::bad_request);
  CHECK(parse_scrape_request("GET /met\x01rics HTTP/1.1\r\n\r\n") == ScrapeRequest::bad_request);
  CHECK(parse_scrape_request("\r\n\r\n") == ScrapeRequest::bad_request);
  CHECK(parse_scrape_request(" GET /metrics HTTP/1.1\r\n\r\n") == ScrapeRequest::bad_request);
  CHECK(parse_scrape_request(std::string(kMaxRequestHeadBytes + 1, 'A')) ==
        ScrapeRequest::too_large);
  CHECK(parse_scrape_request(std::string(100, 'A')) == ScrapeRequest::incomplete);
}

TEST_CASE("the node takes --metrics ADDR:PORT and --log-file PATH", "[metrics][options]") {
  auto o = parse_node_options({"desaster", "--metrics", "127.0.0.1:9691", "--log-file=/tmp/d.log"});
  REQUIRE(o.ok());
  CHECK(o->metrics_address == "127.0.0.1");
  CHECK(o->metrics_port == 9691);
  CHECK(o->log_file == "/tmp/d.log");
  CHECK_FALSE(parse_node_options({"desaster", "--metrics", "9691"}).ok());
  CHECK_FALSE(parse_node_options({"desaster", "--metrics", "localhost:9691"}).ok());
  CHECK_FALSE(parse_node_options({"desaster", "--metrics", "127.0.0.1:70000"}).ok());
  CHECK_FALSE(parse_node_options({"desaster", "--log-file="}).ok());
}
