#include <catch2/catch.hpp>

#include "core/model/shell_command.hpp"
#include "ui/common/durations.hpp"
#include "ui/common/json_writer.hpp"
#include "ui/desasterctl/ctl_args.hpp"
#include "ui/desasterctl/ctl_query_args.hpp"

using namespace desaster;

TEST_CASE("enqueue takes its options before -- and the command after", "[ctl]") {
  auto a = parse_ctl_args({"-c", "10.0.0.1", "enqueue", "--queue", "mail", "--in", "30s",
                           "--unique", "k1", "--", "echo", "--queue", "hi"});
  REQUIRE(a.ok());
  CHECK(a->endpoint == "tcp://10.0.0.1:2691");
  CHECK(a->job.queue == "mail");
  CHECK(a->job.in_ms == 30'000);
  CHECK(a->job.unique_key == "k1");
  auto command = decode_shell_command(a->job.payload);
  REQUIRE(command.ok());
  CHECK(command->argv == std::vector<std::string>{"echo", "--queue", "hi"});
}

TEST_CASE("the --sh flag joins the words into one /bin/sh -c string", "[ctl]") {
  auto a = parse_ctl_args({"enqueue", "--sh", "--", "echo", "a", "&&", "false"});
  REQUIRE(a.ok());
  auto command = decode_shell_command(a->job.payload);
  REQUIRE(command.ok());
  CHECK(command->sh == "echo a && false");
}

TEST_CASE("the group key comes from -k or --key, and an empty one is refused", "[ctl]") {
  auto a = parse_ctl_args({"-k", "s3cret", "stats"});
  REQUIRE(a.ok());
  CHECK(a->group_key == "s3cret");
  auto b = parse_ctl_args({"--key", "other", "queues"});
  REQUIRE(b.ok());
  CHECK(b->group_key == "other");
  auto none = parse_ctl_args({"stats"});
  REQUIRE(none.ok());
  CHECK(none->group_key.empty());  // the client then takes $DESASTER_KEY, else "default"
  auto empty = parse_ctl_args({"-k", "", "stats"});
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().message.find("must not be empty") != std::string::npos);
}

TEST_CASE("the --json flag may follow the command", "[ctl]") {
  auto a = parse_ctl_args({"jobs", "--json", "--state", "dead"});
  REQUIRE(a.ok());
  CHECK(a->json);
  REQUIRE(a->list.state);
  CHECK(*a->list.state == JobState::dead);
}

TEST_CASE("desasterctl refuses bad usage with a message that says what is wrong", "[ctl]") {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const Case cases[] = {
      {{}, "no command given"},
      {{"frob"}, "unknown command 'frob'"},
      {{"enqueue"}, "no command given"},
      {{"enqueue", "--in", "soon", "--", "true"}, "--in: 'soon' is not a duration"},
      {{"enqueue", "--bogus", "--", "true"}, "unknown option '--bogus'"},
      {{"jobs", "--state", "sleeping"}, "--state: 'sleeping' is not one of"},
      {{"retry"}, "retry: which job?"},
      {{"queue", "explode", "q"}, "queue: unknown action 'explode'"},
      {{"-c"}, "-c needs a value"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    auto a = parse_ctl_args(c.args);
    REQUIRE_FALSE(a.ok());
    CHECK(a.status().message.find(c.message) != std::string::npos);
  }
}

TEST_CASE("durations and times parse the way they are typed", "[ctl]") {
  CHECK(*parse_duration_ms("500ms") == 500);
  CHECK(*parse_duration_ms("30") == 30'000);
  CHECK(*parse_duration_ms("5m") == 300'000);
  CHECK(*parse_duration_ms("2h") == 7'200'000);
  CHECK(*parse_duration_ms("1d") == 86'400'000);
  CHECK_FALSE(parse_duration_ms("").ok());
  CHECK_FALSE(parse_duration_ms("-1s").ok());
  CHECK_FALSE(parse_duration_ms("5 m").ok());
  CHECK_FALSE(parse_duration_ms("99999999999999999999s").ok());
  CHECK(*parse_time_ms("1700000000") == 1'700'000'000'000);
  CHECK(*parse_time_ms("2024-01-01T00:00:00Z") == 1'704'067'200'000);
  CHECK_FALSE(parse_time_ms("2024-13-01T00:00:00Z").ok());
  CHECK_FALSE(parse_time_ms("tomorrow").ok());
  CHECK(format_time_ms(1'704'067'200'000) == "2024-01-01T00:00:00Z");
}

TEST_CASE("the JSON writer escapes control characters and invalid UTF-8", "[ctl]") {
  JsonWriter json;
  json.begin_object()
      .key("s")
      .value(std::string_view("a\"b\n\x01\xff\xc3\xa9", 8))
      .key("n")
      .value(std::int64_t{-3});
  json.key("l").begin_array().value(true).null().end_array().end_object();
  CHECK(json.str() == "{\"s\":\"a\\\"b\\n\\u0001\\u00ff\xc3\xa9\",\"n\":-3,\"l\":[true,null]}");
}

TEST_CASE("jobs takes the query flags into the list request", "[ctl][query]") {
  auto a = parse_ctl_args({"jobs",
                           "--search",
                           "Timeout",
                           "--queue",
                           "mail",
                           "--state",
                           "failed,dead",
                           "--class",
                           "Mailer",
                           "--node",
                           "n1",
                           "--flow",
                           "c7",
                           "--attempts",
                           "2:5",
                           "--created-after",
                           "2026-11-28T10:00:00Z",
                           "--created-before",
                           "1800000000",
                           "--sort",
                           "finished_at",
                           "--desc",
                           "--limit",
                           "20",
                           "--cursor",
                           "abc"});
  REQUIRE(a.ok());
  const protocol::List& l = a->list;
  CHECK(l.search == "Timeout");
  CHECK(l.queue == "mail");
  CHECK(l.states == std::vector<JobState>{JobState::failed, JobState::dead});
  CHECK(l.job_class == "Mailer");
  CHECK(l.node == "n1");
  CHECK(l.flow == "c7");
  CHECK(l.attempts_min == 2);
  CHECK(l.attempts_max == 5);
  CHECK(l.created.from == 1'795'860'000'000);
  CHECK(l.created.to == 1'800'000'000'000);
  CHECK(l.sort == SortColumn::finished_at);
  CHECK(l.descending);
  CHECK(l.limit == 20);
  CHECK(l.cursor == "abc");
}

TEST_CASE("query times may be ages before now", "[ctl][query]") {
  CHECK(parse_query_time("10m", 1'000'000'000).value() == 1'000'000'000 - 600'000);
  CHECK(parse_query_time("2026-11-28T10:00:00Z", 0).value() == 1'795'860'000'000);
  CHECK(!parse_query_time("soon", 0).ok());
}

TEST_CASE("failed lists dead jobs, or groups failed and dead ones", "[ctl][query]") {
  auto listed = parse_ctl_args({"failed"});
  REQUIRE(listed.ok());
  CHECK(listed->list.state == JobState::dead);
  auto grouped = parse_ctl_args({"failed", "--group-by", "error"});
  REQUIRE(grouped.ok());
  CHECK(grouped->group_by == GroupBy::error);
  CHECK(!grouped->list.state);
  CHECK(grouped->list.states.empty());
}

TEST_CASE("bad query flags are refused with what was wrong", "[ctl][query]") {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"jobs", "--sort", "color"}, "--sort: 'color' is not one of"},
      {{"jobs", "--state", "dead,zombie"}, "--state: 'zombie' is not one of"},
      {{"jobs", "--attempts", "x"}, "--attempts: 'x' is not MIN"},
      {{"jobs", "--attempts", "5:2"}, "the minimum is above the maximum"},
      {{"jobs", "--created-after", "whenever"}, "--created-after: 'whenever' is not a time"},
      {{"jobs", "--created-after", "1800000000", "--created-before", "1700000000"},
       "a time range ends before it starts"},
      {{"jobs", "--group-by", "error"}, "jobs: unknown option '--group-by'"},
      {{"failed", "--group-by", "color"}, "--group-by: 'color' is not queue, class or error"},
      {{"jobs", "--search"}, "--search needs a value"},
  };
  for (const auto& [args, message] : cases) {
    INFO(args.back());
    auto r = parse_ctl_args(args);
    REQUIRE(!r.ok());
    CHECK(r.status().message.find(message) != std::string::npos);
  }
}
