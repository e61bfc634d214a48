// desasterctl's job-action commands parsed: ids or --all with a query, the
// action's own flags, and clear refusals of what cannot mean anything.
#include <catch2/catch.hpp>

#include "ui/desasterctl/ctl_args.hpp"

using namespace desaster;

TEST_CASE("a job action takes ids as typed", "[ctl][actions]") {
  auto a = parse_ctl_args({"kill", "00000000000000aa", "00000000000000bb"});
  REQUIRE(a.ok());
  CHECK(a->command == "kill");
  CHECK(a->action.action == protocol::JobActionKind::kill);
  CHECK(a->ids == std::vector<std::string>{"00000000000000aa", "00000000000000bb"});
  CHECK_FALSE(a->action.all);
}

TEST_CASE("a selection with --all is by query: --queue and --state", "[ctl][actions]") {
  auto a = parse_ctl_args({"delete", "--all", "--queue", "mail", "--state", "dead", "--json"});
  REQUIRE(a.ok());
  CHECK(a->action.action == protocol::JobActionKind::remove);
  CHECK(a->action.all);
  CHECK(a->action.query_queue == "mail");
  CHECK(a->action.query_state == JobState::dead);
  CHECK(a->json);
}

TEST_CASE("relocate's --queue before --all is the target, after it the query's", "[ctl][actions]") {
  auto a = parse_ctl_args({"relocate", "--queue", "b", "--node", "n1", "--all", "--queue", "a"});
  REQUIRE(a.ok());
  CHECK(a->action.queue == std::optional<std::string>("b"));
  CHECK(a->action.node == std::optional<std::string>("n1"));
  CHECK(a->action.query_queue == "a");
  auto unpin = parse_ctl_args({"relocate", "--node", "", "00000000000000aa"});
  REQUIRE(unpin.ok());
  CHECK(unpin->action.node == std::optional<std::string>(""));
  CHECK_FALSE(unpin->action.queue);
}

TEST_CASE("re-role and reschedule take their own flags", "[ctl][actions]") {
  auto r = parse_ctl_args({"re-role", "--class", "C", "--priority", "-3", "--flow", "f", "--queue",
                           "q", "00000000000000aa"});
  REQUIRE(r.ok());
  CHECK(r->action.action == protocol::JobActionKind::rerole);
  CHECK(r->action.job_class == std::optional<std::string>("C"));
  CHECK(r->action.priority == std::optional<std::int32_t>(-3));
  CHECK(r->action.flow == std::optional<std::string>("f"));
  CHECK(r->action.queue == std::optional<std::string>("q"));
  auto in = parse_ctl_args({"reschedule", "--in", "5m", "00000000000000aa"});
  REQUIRE(in.ok());
  CHECK(in->action.in_ms == 300'000);
  auto at = parse_ctl_args({"reschedule", "--at", "2026-11-28T10:00:00Z", "--all"});
  REQUIRE(at.ok());
  CHECK(at->action.run_at == 1'795'860'000'000);
}

TEST_CASE("job actions refuse an empty or contradictory selection and stray flags",
          "[ctl][actions]") {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const Case cases[] = {
      {{"kill"}, "kill: which job?"},
      {{"kill", "--queue", "q"}, "only with --all"},
      {{"kill", "--all", "00000000000000aa"}, "not both"},
      {{"kill", "--priority", "3", "00000000000000aa"}, "unknown option '--priority'"},
      {{"relocate", "00000000000000aa"}, "relocate: where to?"},
      {{"re-role", "--all"}, "re-role: what to change?"},
      {{"re-role", "--priority", "high", "--all"}, "--priority: 'high' is not a number"},
      {{"reschedule", "--all"}, "reschedule: when?"},
      {{"reschedule", "--in", "1s", "--at", "5", "--all"}, "give --at or --in, once"},
      {{"reschedule", "--in", "soon", "--all"}, "--in: "},
      {{"retry", "--all", "--state", "asleep"}, "--state: 'asleep' is not one of"},
      {{"delete", "--queue"}, "--queue needs a value"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    auto a = parse_ctl_args(c.args);
    REQUIRE_FALSE(a.ok());
    CHECK_THAT(a.status().message, Catch::Contains(c.message));
  }
}
