// desaster-web's API query decoding (ui/web/server/query): query strings,
// /api/jobs and /api/failed/groups parameters, action bodies and the
// command line, with malformed input of every kind.
#include <catch2/catch.hpp>

#include "core/model/job_id.hpp"
#include "ui/web/server/query/query_string.hpp"
#include "ui/web/server/query/web_options.hpp"
#include "ui/web/server/query/web_query.hpp"

using namespace desaster;
using namespace desaster::web;

namespace {

ListQuery jobs_query(std::string_view text) {
  auto params = parse_query_string(text);
  INFO(params.status().message);
  REQUIRE(params.ok());
  auto q = decode_jobs_query(*params);
  INFO(q.status().message);
  REQUIRE(q.ok());
  return *q;
}

std::string jobs_error(std::string_view text) {
  auto params = parse_query_string(text);
  if (!params.ok()) return params.status().message;
  auto q = decode_jobs_query(*params);
  REQUIRE_FALSE(q.ok());
  CHECK(q.status().code == ErrorCode::bad_request);
  return q.status().message;
}

std::string action_error(std::string_view body) {
  auto a = decode_action_request(body);
  REQUIRE_FALSE(a.ok());
  return a.status().message;
}

}  // namespace

TEST_CASE("query strings decode percent escapes and refuse what is not text", "[web]") {
  auto p = parse_query_string("a=1&b=x%20y+z&&c=");
  REQUIRE(p.ok());
  REQUIRE(p->size() == 3);
  CHECK((*p)[1].second == "x y z");
  CHECK((*p)[2].second.empty());
  CHECK(parse_query_string("a=%e2%82%ac")->front().second == "\xe2\x82\xac");
  CHECK_FALSE(parse_query_string("a=%").ok());
  CHECK_FALSE(parse_query_string("a=%4").ok());
  CHECK_FALSE(parse_query_string("a=%zz").ok());
  CHECK_FALSE(parse_query_string("a=%ff").ok());        // not UTF-8
  CHECK_FALSE(parse_query_string("a=%c0%80").ok());     // overlong
  CHECK_FALSE(parse_query_string("a=%ed%a0%80").ok());  // surrogate
  CHECK_FALSE(parse_query_string("a=%00").ok());        // control byte
  CHECK_FALSE(parse_query_string("=1").ok());
  CHECK_FALSE(parse_query_string("a=1&a=2").ok());
  std::string many;
  for (int i = 0; i < 65; ++i) many += "p" + std::to_string(i) + "=1&";
  CHECK_FALSE(parse_query_string(many).ok());
  CHECK_FALSE(parse_query_string("a=" + std::string(5000, 'x')).ok());
}

TEST_CASE("/api/jobs parameters become a ListQuery", "[web]") {
  const ListQuery q = jobs_query(
      "search=Timeout&queue=mail&state=dead,failed&class=Mailer&node=n1&flow=f&attempts=2:5"
      "&created_after=1000&created_before=2000&sort=created_at&desc=1&limit=25");
  CHECK(q.search == "Timeout");
  CHECK(q.queue == "mail");
  CHECK(q.states.size() == 2);
  CHECK(q.job_class == "Mailer");
  CHECK(q.node == "n1");
  CHECK(q.flow == "f");
  CHECK(q.attempts_min == 2);
  CHECK(q.attempts_max == 5);
  CHECK(q.created.from == 1000);
  CHECK(q.created.to == 2000);
  CHECK(q.sort == SortColumn::created_at);
  CHECK(q.descending);
  CHECK(q.limit == 25);
  CHECK(jobs_query("").limit == kDefaultPageRows);
  CHECK(jobs_query("state=queued").state == JobState::queued);
  CHECK(jobs_query("attempts=3").attempts_max == 3);
  CHECK(jobs_query("attempts=:3").attempts_min == 0);
  CHECK(jobs_query("state=&attempts=&created_after=").states.empty());
}

TEST_CASE("bad /api/jobs parameters are refused by name", "[web]") {
  CHECK(jobs_error("limit=abc").rfind("limit:", 0) == 0);
  CHECK(jobs_error("limit=-1").rfind("limit:", 0) == 0);
  CHECK(jobs_error("limit=99999999999999999999").rfind("limit:", 0) == 0);
  CHECK(jobs_error("state=queued,nope").rfind("state:", 0) == 0);
  CHECK(jobs_error("sort=colour").rfind("sort:", 0) == 0);
  CHECK(jobs_error("desc=yes").rfind("desc:", 0) == 0);
  CHECK(jobs_error("attempts=:").rfind("attempts:", 0) == 0);
  CHECK(jobs_error("attempts=9:1").rfind("attempts:", 0) == 0);
  CHECK(jobs_error("run_after=soon").rfind("run_after:", 0) == 0);
  CHECK(jobs_error("run_after=99999999999999999999").rfind("run_after:", 0) == 0);
  CHECK(jobs_error("finished_after=5&finished_before=1").rfind("time range:", 0) == 0);
  CHECK(jobs_error("cursor=x").rfind("cursor:", 0) == 0);
  CHECK(jobs_error("queue=a%20b").rfind("queue:", 0) == 0);
  CHECK(jobs_error("all=1").rfind("all: unknown parameter", 0) == 0);
  CHECK(jobs_error("x%01y=1").find("unknown") == std::string::npos);  // control byte: not text
}

TEST_CASE("/api/failed/groups parameters", "[web]") {
  auto g = decode_groups_query(*parse_query_string("by=error&state=dead"));
  REQUIRE(g.ok());
  CHECK(g->by == GroupBy::error);
  CHECK(g->states == std::vector<JobState>{JobState::dead});
  CHECK_FALSE(decode_groups_query(*parse_query_string("")).ok());
  CHECK_FALSE(decode_groups_query(*parse_query_string("by=colour")).ok());
  CHECK(decode_groups_query(*parse_query_string("by=queue&limit=3")).status().message ==
        "limit: unknown parameter");
}

TEST_CASE("action bodies: ids or a filter, and only the action's arguments", "[web]") {
  auto kill = decode_action_request(R"({"action":"kill","ids":["00000000000000aa"]})");
  REQUIRE(kill.ok());
  CHECK(kill->kind == WebActionKind::job_action);
  CHECK(kill->ids == std::vector<JobId>{0xaa});
  CHECK_FALSE(kill->filter);

  auto simple =
      decode_action_request(R"({"action":"retry","filter":{"queue":"mail","state":["dead"]}})");
  REQUIRE(simple.ok());
  CHECK(simple->node_selectable);
  CHECK(simple->filter->queue == "mail");

  auto rich = decode_action_request(R"({"action":"delete","filter":{"search":"x","attempts":2}})");
  REQUIRE(rich.ok());
  CHECK_FALSE(rich->node_selectable);
  CHECK(rich->filter->attempts_min == 2);

  auto all = decode_action_request(R"({"action":"kill","filter":{"all":"1"}})");
  REQUIRE(all.ok());
  CHECK(all->node_selectable);

  auto relocate =
      decode_action_request(R"({"action":"relocate","ids":["00000000000000aa"],"queue":"b"})");
  REQUIRE(relocate.ok());
  CHECK(relocate->job.queue == "b");
  auto pin = decode_action_request(R"({"action":"pin","ids":["00000000000000aa"],"pool":"p"})");
  REQUIRE(pin.ok());
  CHECK(pin->kind == WebActionKind::pin);
  CHECK(pin->pin_pool == "p");
  auto later =
      decode_action_request(R"({"action":"reschedule","ids":["00000000000000aa"],"in_ms":60000})");
  REQUIRE(later.ok());
  CHECK(later->job.in_ms == 60000);

  CHECK(action_error("").rfind("body:", 0) == 0);
  CHECK(action_error("{").rfind("body:", 0) == 0);
  CHECK(action_error("\"kill\"").rfind("body:", 0) == 0);
  CHECK(action_error(std::string(100000, '[')).rfind("body:", 0) == 0);
  CHECK(action_error(R"({"action":1,"ids":["00000000000000aa"]})").rfind("action:", 0) == 0);
  CHECK(action_error(R"({"action":"kill","ids":["00000000000000aa"],"filter":{"all":"1"}})")
            .rfind("ids:", 0) == 0);
  CHECK(action_error(R"({"action":"kill","filter":{"queue":""}})").rfind("filter:", 0) == 0);
  CHECK(action_error(R"({"action":"kill","filter":{"sort":"id"}})").rfind("filter.sort:", 0) == 0);
  CHECK(action_error(R"({"action":"kill","filter":{"queue":{"a":1}}})").rfind("filter.queue:", 0) ==
        0);
  CHECK(action_error(R"({"action":"kill","ids":["00000000000000aa"],"class":"X"})")
            .rfind("class:", 0) == 0);
  CHECK(action_error(R"({"action":"rerole","ids":["00000000000000aa"],"priority":2147483648})")
            .rfind("priority:", 0) == 0);
  CHECK(action_error(R"({"action":"reschedule","ids":["00000000000000aa"],"in_ms":-1})")
            .rfind("in_ms:", 0) == 0);
  CHECK(action_error(R"({"action":"reschedule","ids":["00000000000000aa"],"in_ms":1,"run_at":5})")
            .rfind("run_at:", 0) == 0);
  CHECK(action_error(R"({"action":"relocate","ids":["00000000000000aa"],"queue":"a b"})")
            .rfind("queue:", 0) == 0);
  std::string many = R"({"action":"kill","ids":[)";
  for (int i = 0; i < 10001; ++i) many += std::string(i ? "," : "") + "\"00000000000000aa\"";
  CHECK(action_error(many + "]}").rfind("ids:", 0) == 0);
}

TEST_CASE("queue, qdisc and login bodies", "[web]") {
  auto create = decode_queue_create(R"({"name":"mail","max_attempts":3})");
  REQUIRE(create.ok());
  CHECK(create->max_attempts == 3);
  CHECK_FALSE(decode_queue_create(R"({"name":"a b"})").ok());
  CHECK_FALSE(decode_queue_create(R"({"name":"a","max_attempts":-1})").ok());
  CHECK_FALSE(decode_queue_create(R"({"name":"a","colour":"red"})").ok());
  auto words = decode_qdisc_words(R"({"spec":"priority  aging 30s"})");
  REQUIRE(words.ok());
  CHECK(*words == std::vector<std::string>{"priority", "aging", "30s"});
  CHECK_FALSE(decode_qdisc_words(R"({"spec":""})").ok());
  CHECK(*decode_login("password=a%20b", false) == "a b");
  CHECK(*decode_login(R"({"password":"x"})", true) == "x");
  CHECK_FALSE(decode_login("user=x", false).ok());
}

TEST_CASE("desaster-web's command line", "[web]") {
  auto o = parse_web_options({"-c", "node1:3000", "-k", "key", "--listen", "127.0.0.2:8080",
                              "--base-path", "/desaster/", "--read-only"});
  REQUIRE(o.ok());
  CHECK(o->endpoint == "tcp://node1:3000");
  CHECK(o->group_key == "key");
  CHECK(o->listen_host == "127.0.0.2");
  CHECK(o->listen_port == 8080);
  CHECK(o->base_path == "/desaster");
  CHECK(o->read_only);
  CHECK(parse_web_options({"-c", "host"})->endpoint == "tcp://host:2691");
  CHECK(parse_web_options({})->listen_port == 2690);
  auto open = parse_web_options({"--listen", "0.0.0.0:2690"});
  REQUIRE_FALSE(open.ok());
  CHECK(open.status().message.find("--password-file") != std::string::npos);
  CHECK(parse_web_options({"--listen", "0.0.0.0:2690", "--password-file", "/p"}).ok());
  CHECK_FALSE(parse_web_options({"--listen", "127.0.0.1"}).ok());
  CHECK_FALSE(parse_web_options({"--listen", "127.0.0.1:0"}).ok());
  CHECK_FALSE(parse_web_options({"--listen", "example.com:80"}).ok());
  CHECK_FALSE(parse_web_options({"--base-path", "desaster"}).ok());
  CHECK_FALSE(parse_web_options({"--base-path", "/a/../b"}).ok());
  CHECK_FALSE(parse_web_options({"--base-path", "/a b"}).ok());
  CHECK_FALSE(parse_web_options({"--tls-cert", "c.pem"}).ok());
  CHECK_FALSE(parse_web_options({"-c"}).ok());
  CHECK_FALSE(parse_web_options({"--frobnicate"}).ok());
  CHECK(parse_web_options({"--help"})->show_help);
  CHECK(is_loopback_host("127.3.4.5"));
  CHECK_FALSE(is_loopback_host("10.0.0.1"));
}

TEST_CASE("error_signature is taken out of the parameters and filters actions", "[web]") {
  auto params = parse_query_string("state=dead&error_signature=exit+status+<n>");
  REQUIRE(params.ok());
  auto signature = take_error_signature(*params);
  REQUIRE(signature.ok());
  CHECK(*signature == "exit status <n>");
  CHECK(params->size() == 1);
  auto none = parse_query_string("state=dead");
  CHECK(take_error_signature(*none)->empty());
  auto empty = parse_query_string("error_signature=");
  CHECK_FALSE(take_error_signature(*empty).ok());
  auto group = decode_action_request(
      R"({"action":"retry","filter":{"state":"dead","error_signature":"boom"}})");
  REQUIRE(group.ok());
  CHECK(group->error_signature == "boom");
  CHECK_FALSE(group->node_selectable);  // the node cannot select by signature
  // A signature alone restricts the selection: no "all" needed.
  CHECK(decode_action_request(R"({"action":"delete","filter":{"error_signature":"boom"}})").ok());
}

TEST_CASE("admin bodies: named fields of known types only", "[web]") {
  auto f = decode_fields(R"({"min":1,"max":4})", {{"min", true, true}, {"max", true, true}});
  REQUIRE(f.ok());
  CHECK(f->number("min") == 1u);
  CHECK(f->number("max") == 4u);
  CHECK(decode_fields("", {{"node", false, false}})->strings.empty());
  CHECK(
      decode_fields(R"({"min":1})", {{"min", true, true}, {"max", true, true}}).status().message ==
      "max: missing");
  CHECK(decode_fields(R"({"min":-1,"max":1})", {{"min", true, true}, {"max", true, true}})
            .status()
            .message.rfind("min:", 0) == 0);
  CHECK(
      decode_fields(R"({"node":5})", {{"node", false, false}}).status().message.rfind("node:", 0) ==
      0);
  CHECK(decode_fields(R"({"x":1})", {}).status().message == "x: unknown field");
}
