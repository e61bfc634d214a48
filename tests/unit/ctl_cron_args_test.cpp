// desasterctl cron ...: parsing only, and the "cron" request and reply
// through their codecs (strict on the request, field-named errors).
#include <catch2/catch.hpp>

#include "core/model/shell_command.hpp"
#include "transport/protocol/cron_wire.hpp"
#include "transport/protocol/messages.hpp"
#include "ui/desasterctl/ctl_args.hpp"

using namespace desaster;

namespace {

std::string error_of(const std::vector<std::string>& args) {
  auto a = parse_ctl_args(args);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code == ErrorCode::bad_request);
  return a.status().message;
}

}  // namespace

TEST_CASE("cron add takes a schedule, policies, job flags and the command after --",
          "[ctl][cron]") {
  auto a = parse_ctl_args({"cron",
                           "add",
                           "backup",
                           "0 3 * * *",
                           "--tz",
                           "Europe/Berlin",
                           "--queue",
                           "ops",
                           "--missed",
                           "all",
                           "--starting-deadline",
                           "10m",
                           "--overlap",
                           "forbid",
                           "--timeout",
                           "1h",
                           "--env",
                           "A=b",
                           "--",
                           "tar",
                           "czf",
                           "/tmp/x.tgz",
                           "/etc"});
  REQUIRE(a.ok());
  CHECK(a->command == "cron");
  const protocol::CronCommand& c = a->cron;
  CHECK(c.action == protocol::CronAction::add);
  CHECK(c.name == "backup");
  CHECK(c.schedule == "0 3 * * *");
  CHECK(c.zone == "Europe/Berlin");
  CHECK(c.missed == CronMissed::all);
  CHECK(c.starting_deadline_ms == 600'000);
  CHECK(c.overlap == CronOverlap::forbid);
  REQUIRE(c.job);
  CHECK(c.job->queue == "ops");
  CHECK(c.job->kind == JobKind::shell);
  CHECK(c.job->timeout_ms == 3'600'000);
  auto command = decode_shell_command(c.job->payload);
  REQUIRE(command.ok());
  CHECK(command->argv == std::vector<std::string>{"tar", "czf", "/tmp/x.tgz", "/etc"});
  CHECK(command->env.at("A") == "b");
}

TEST_CASE("cron add --class makes a ruby job with the JSON arguments as msgpack", "[ctl][cron]") {
  auto a = parse_ctl_args(
      {"cron", "add", "report", "@daily", "--class", "Report", "--args", "[1, \"x\"]"});
  REQUIRE(a.ok());
  REQUIRE(a->cron.job);
  CHECK(a->cron.job->kind == JobKind::ruby);
  CHECK(a->cron.job->job_class == "Report");
  CHECK(a->cron.job->payload == std::string("\x92\x01\xa1x", 4));
  auto task = parse_ctl_args({"cron", "add", "t", "@hourly", "--class", "Sync", "--kind", "task"});
  REQUIRE(task.ok());
  CHECK(task->cron.job->kind == JobKind::task);
  CHECK(task->cron.job->payload == std::string("\x90", 1));
}

TEST_CASE("cron's other actions take a name", "[ctl][cron]") {
  for (const char* action : {"show", "pause", "resume", "remove", "run"}) {
    auto a = parse_ctl_args({"cron", action, "nightly"});
    REQUIRE(a.ok());
    CHECK(a->cron.name == "nightly");
  }
  auto list = parse_ctl_args({"cron", "list"});
  REQUIRE(list.ok());
  CHECK(list->cron.action == protocol::CronAction::list);
}

TEST_CASE("bad cron command lines say what is wrong", "[ctl][cron]") {
  CHECK(error_of({"cron"}).find("which action") != std::string::npos);
  CHECK(error_of({"cron", "frobnicate"}).find("unknown action 'frobnicate'") != std::string::npos);
  CHECK(error_of({"cron", "add", "x"}).find("expected NAME 'SCHEDULE'") != std::string::npos);
  CHECK(error_of({"cron", "add", "x", "@daily"}).find("no command given") != std::string::npos);
  CHECK(error_of({"cron", "add", "x", "@daily", "--missed", "twice", "--", "true"}) ==
        "--missed: 'twice' (skip, once, all)");
  CHECK(error_of({"cron", "add", "x", "@daily", "--overlap", "maybe", "--", "true"}) ==
        "--overlap: 'maybe' (allow, forbid, replace)");
  CHECK(error_of({"cron", "add", "x", "@daily", "--class", "C", "--args", "{"})
            .find("--args: not JSON") != std::string::npos);
  CHECK(error_of({"cron", "add", "x", "@daily", "--class", "C", "--args", "{}"}) ==
        "--args: expected a JSON array of arguments, as '[1, \"x\"]'");
  CHECK(
      error_of({"cron", "add", "x", "@daily", "--class", "C", "--", "ls"}).find("--class takes") !=
      std::string::npos);
  CHECK(error_of({"cron", "add", "x", "@daily", "--tz"}) == "--tz needs a value");
  CHECK(error_of({"cron", "pause"}) == "cron pause: which entry?");
  CHECK(error_of({"cron", "show", "a", "b"}) == "cron show: unexpected argument 'b'");
}

TEST_CASE("the cron request round-trips and refuses bad fields by name", "[protocol][cron]") {
  protocol::CronCommand c;
  c.action = protocol::CronAction::add;
  c.name = "n";
  c.schedule = "*/5 * * * *";
  c.zone = "America/New_York";
  c.missed = CronMissed::skip;
  c.overlap = CronOverlap::replace;
  c.starting_deadline_ms = 5000;
  c.job = protocol::JobSpec{};
  c.job->queue = "q";
  auto decoded = protocol::decode_request(protocol::encode_request({7, c}));
  REQUIRE(decoded.ok());
  const auto& back = std::get<protocol::CronCommand>(decoded->body);
  CHECK(back.name == "n");
  CHECK(back.schedule == "*/5 * * * *");
  CHECK(back.zone == "America/New_York");
  CHECK(back.missed == CronMissed::skip);
  CHECK(back.overlap == CronOverlap::replace);
  CHECK(back.starting_deadline_ms == 5000);
  REQUIRE(back.job);
  CHECK(back.job->queue == "q");

  protocol::CronCommand no_job;
  no_job.action = protocol::CronAction::add;
  no_job.name = "n";
  no_job.schedule = "@daily";
  auto refused = protocol::decode_request(protocol::encode_request({8, no_job}));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message.find("'job'") != std::string::npos);

  protocol::CronReply reply;
  protocol::CronEntryView view;
  view.entry.name = "n";
  view.entry.schedule = "@daily";
  view.entry.job.queue = "q";
  view.entry.runs.push_back({1000, 42, CronRunKind::fired});
  view.next = {86'400'000};
  reply.entries.push_back(view);
  reply.job = 42;
  protocol::CronReply got;
  REQUIRE(protocol::decode_body(protocol::encode_body(reply), got).ok());
  REQUIRE(got.entries.size() == 1);
  CHECK(got.job == 42);
  CHECK(got.entries[0].entry.name == "n");
  CHECK(got.entries[0].entry.job.queue == "q");
  CHECK(got.entries[0].next == std::vector<TimeMs>{86'400'000});
  REQUIRE(got.entries[0].entry.runs.size() == 1);
  CHECK(got.entries[0].entry.runs[0].job == 42);
}
