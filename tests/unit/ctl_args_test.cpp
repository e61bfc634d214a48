#include <catch2/catch.hpp>

#include "core/model/shell_command.hpp"
#include "ui/common/durations.hpp"
#include "ui/common/json_writer.hpp"
#include "ui/desasterctl/ctl_args.hpp"

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
