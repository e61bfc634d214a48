// desasterctl watch: its command line and the line it prints per applied op.
#include <catch2/catch.hpp>

#include "core/model/job_id.hpp"
#include "tests/unit/state_test_support.hpp"
#include "ui/desasterctl/ctl_args.hpp"
#include "ui/desasterctl/ctl_watch.hpp"

using namespace desaster;
using namespace desaster::testing;

TEST_CASE("desasterctl watch takes --json and nothing else", "[ctl][feed]") {
  auto plain = parse_ctl_args({"watch"});
  REQUIRE(plain.ok());
  CHECK(plain->command == "watch");
  CHECK_FALSE(plain->json);
  auto json = parse_ctl_args({"watch", "--json"});
  REQUIRE(json.ok());
  CHECK(json->json);
  auto extra = parse_ctl_args({"watch", "queue"});
  REQUIRE_FALSE(extra.ok());
  CHECK_THAT(extra.status().message, Catch::Contains("unexpected argument 'queue'"));
}

TEST_CASE("a watch line names the op's index, its queue and the jobs it touched", "[ctl][feed]") {
  State state;
  EnqueueOp op{{make_job(0x10, "mail"), make_job(0x11, "mail")}};
  ApplyResult result = state.apply(op, ApplyContext{3, 42, kT0});
  WatchLine line = describe_applied(LogEntry{3, 42, kT0, encode_op(op)}, op, result, state);
  CHECK(line.op == "enqueue");
  CHECK(line.jobs == std::vector<JobId>{0x10, 0x11});
  CHECK(line.queues == std::vector<std::string>{"mail"});
  const std::string human = format_watch_line(line, false);
  CHECK_THAT(human, Catch::StartsWith("42 "));
  CHECK_THAT(human, Catch::Contains("enqueue"));
  CHECK_THAT(human, Catch::Contains("queue mail job " + format_job_id(0x10) + " (+1 more)"));
  const std::string json = format_watch_line(line, true);
  CHECK_THAT(json, Catch::Contains("\"index\":42"));
  CHECK_THAT(json, Catch::Contains("\"op\":\"enqueue\""));
  CHECK_THAT(json, Catch::Contains("\"queues\":[\"mail\"]"));
  CHECK_THAT(json, Catch::Contains("\"jobs_total\":2"));
}

TEST_CASE("a watch line of a queue op names the queue", "[ctl][feed]") {
  State state;
  QueueCreateOp op{"reports", {}};
  ApplyResult result = state.apply(op, ApplyContext{1, 7, kT0});
  WatchLine line = describe_applied(LogEntry{1, 7, kT0, encode_op(op)}, op, result, state);
  CHECK(line.op == "queue_create");
  CHECK(line.queues == std::vector<std::string>{"reports"});
  CHECK(line.jobs.empty());
}
