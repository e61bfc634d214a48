// desaster-web end to end over HTTP: a real standalone node, a real
// desaster-web following it through the state feed, and plain HTTP/1.1
// requests: every read endpoint with its filters and cursor, the errors
// (400 naming the parameter), the SSE stream, and actions through the node.
#include <set>

#include "core/model/job_id.hpp"
#include "tests/integration/harness/fixtures.hpp"
#include "tests/integration/web/web_harness.hpp"

using namespace desaster;
using namespace desaster::test;
using namespace desaster::test::web;

namespace {

struct WebSetup {
  RunningNode n;
  TempDir web_dir;
  std::uint16_t web_port = free_port_triplet();
  WebProcess web;

  explicit WebSetup(std::vector<std::string> web_args = {})
      : web(web_dir.path(), with_defaults(std::move(web_args), n.port, web_port)) {
    INFO(web.log());
    REQUIRE(web.start());
    // Ops applied before the replica's first snapshot come inside it, not
    // as events: the tests act once desaster-web follows the node.
    wait_caught_up([](const json& o) { return o["connection_state"] == "connected"; });
  }

  static std::vector<std::string> with_defaults(std::vector<std::string> args, std::uint16_t node,
                                                std::uint16_t port) {
    args.insert(args.begin(), {"-c", "127.0.0.1:" + std::to_string(node), "--listen",
                               "127.0.0.1:" + std::to_string(port)});
    return args;
  }

  HttpResponse get(const std::string& path, const std::vector<std::string>& headers = {}) {
    return http(web_port, "GET", path, {}, headers);
  }
  std::string csrf() {
    const HttpResponse r = get("/api/session");
    REQUIRE(r.status == 200);
    return r.doc()["csrf_token"].get<std::string>();
  }
  HttpResponse post(const std::string& path, const json& body, bool with_token = true) {
    std::vector<std::string> headers{"Content-Type: application/json"};
    if (with_token) headers.push_back("X-CSRF-Token: " + csrf());
    return http(web_port, "POST", path, body.dump(), headers);
  }
  // Waits until the replica has caught up with what the node applied.
  void wait_caught_up(const std::function<bool(const json&)>& cond) {
    const bool ok = wait_until([&] {
      const HttpResponse r = get("/api/overview");
      return r.status == 200 && cond(r.doc());
    });
    INFO(get("/api/overview").body);
    REQUIRE(ok);
  }
};

void create_paused_queue(RunningNode& n, const std::string& name) {
  protocol::QueueCommand create;
  create.action = protocol::QueueAction::create;
  create.name = name;
  REQUIRE(n.client->queue_command(create).ok());
  protocol::QueueCommand pause;
  pause.action = protocol::QueueAction::pause;
  pause.name = name;
  REQUIRE(n.client->queue_command(pause).ok());
}

std::vector<JobId> enqueue(RunningNode& n, const std::vector<protocol::JobSpec>& specs) {
  auto r = n.client->enqueue(specs);
  INFO(r.status().message);
  REQUIRE(r.ok());
  return r->ids;
}

std::uint64_t count_of(const json& overview, const char* state) {
  return overview["totals"][state].get<std::uint64_t>();
}

}  // namespace

TEST_CASE("desaster-web answers lists, filters, pages and groups from its replica",
          "[integration][web]") {
  WebSetup s;
  create_paused_queue(s.n, "held");
  std::vector<protocol::JobSpec> specs;
  for (int i = 0; i < 30; ++i)
    specs.push_back(shell_job(i % 3 == 0 ? "echo needle-" + std::to_string(i) : "true", "held"));
  const std::vector<JobId> held = enqueue(s.n, specs);
  protocol::JobSpec failing = shell_job("echo boom >&2; exit 3", "bad");
  failing.retry.max_attempts = 1;
  const JobId dead = enqueue(s.n, {failing, failing}).front();
  s.n.wait_final(dead);
  s.wait_caught_up(
      [](const json& o) { return count_of(o, "queued") == 30 && count_of(o, "dead") == 2; });

  SECTION("session and overview") {
    const json session = s.get("/api/session").doc();
    CHECK(session["auth_required"] == false);
    CHECK(session["logged_in"] == true);
    CHECK(session["read_only"] == false);
    CHECK(session["csrf_token"].get<std::string>().size() == 64);
    const json o = s.get("/api/overview").doc();
    CHECK(o["connection_state"] == "connected");
    CHECK(o["connected_to"] == s.n.node.endpoint());
    CHECK(o["nodes"].size() >= 1);
    bool saw_held = false;
    for (const json& q : o["queues"]) {
      if (q["name"] == "held") {
        saw_held = true;
        CHECK(q["paused"] == true);
        CHECK(q["counts"]["queued"] == 30);
        CHECK(q["oldest_age_ms"].is_number());
      }
    }
    CHECK(saw_held);
    CHECK(o["rates"]["series_10m"].is_array());
    CHECK(o["nodes"][0]["alive"] == true);
    // The node's load average is asked of it every few seconds.
    CHECK(wait_until([&] { return s.get("/api/overview").doc()["nodes"][0]["load"].is_number(); }));
  }

  SECTION("what only the node knows: workers, resources, the blacklist") {
    const HttpResponse workers = s.get("/api/workers");
    INFO(workers.body);
    REQUIRE(workers.status == 200);
    CHECK(workers.doc().contains("pools"));
    CHECK(workers.doc().contains("assignments"));
    const json resources = s.get("/api/resources?since=10m").doc();
    CHECK(resources["current"].contains("load1"));
    CHECK(resources["series"] == "seconds");
    CHECK(s.get("/api/resources?since=24h").doc()["series"] == "minutes");
    CHECK(s.get("/api/blacklist?queue=held").status == 200);
    CHECK(s.get("/api/blacklist?limit=0").error().rfind("limit:", 0) == 0);
  }

  SECTION("a page at a time with the cursor, every job once") {
    std::set<std::string> ids;
    std::string cursor;
    int pages = 0;
    do {
      const HttpResponse r = s.get("/api/jobs?queue=held&limit=7&sort=created_at&desc=1" +
                                   (cursor.empty() ? std::string() : "&cursor=" + cursor));
      REQUIRE(r.status == 200);
      const json page = r.doc();
      CHECK(page["total"] == 30);
      CHECK(page["jobs"].size() <= 7);
      for (const json& j : page["jobs"]) {
        CHECK(j["state"] == "queued");
        CHECK(j["queue"] == "held");
        CHECK(ids.insert(j["id"].get<std::string>()).second);
      }
      cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
      ++pages;
    } while (!cursor.empty() && pages < 20);
    CHECK(ids.size() == 30);
    CHECK(pages == 5);
  }

  SECTION("search, state and attempts filters") {
    const json found = s.get("/api/jobs?search=NEEDLE-&queue=held").doc();
    CHECK(found["total"] == 10);
    const json both = s.get("/api/jobs?state=dead,killed").doc();
    CHECK(both["total"] == 2);
    const json attempts = s.get("/api/jobs?attempts=1&state=dead").doc();
    CHECK(attempts["total"] == 2);
    const json none = s.get("/api/jobs?attempts=5:&state=dead").doc();
    CHECK(none["total"] == 0);
    const json spaced = s.get("/api/jobs?search=needle%2D2%37").doc();  // "needle-27"
    CHECK(spaced["total"] == 1);
  }

  SECTION("one job in full") {
    const json j = s.get("/api/jobs/" + format_job_id(dead)).doc();
    CHECK(j["id"] == format_job_id(dead));
    CHECK(j["state"] == "dead");
    CHECK(j["command"].get<std::string>().find("boom") != std::string::npos);
    CHECK(j["attempts_history"].size() == 1);
    CHECK(j["attempts_history"][0]["duration_ms"].is_number());
    CHECK(j["eta"].is_null());
    const json q = s.get("/api/jobs/" + format_job_id(held[0])).doc();
    CHECK(q["state"] == "queued");
    CHECK(q["started_at"].is_null());
  }

  SECTION("the failed set grouped") {
    const json by_queue = s.get("/api/failed/groups?by=queue").doc();
    REQUIRE(by_queue["groups"].size() == 1);
    CHECK(by_queue["groups"][0]["key"] == "bad");
    CHECK(by_queue["groups"][0]["count"] == 2);
    const json by_error = s.get("/api/failed/groups?by=error&state=dead").doc();
    REQUIRE(by_error["groups"].size() == 1);
    CHECK(by_error["groups"][0]["count"] == 2);
  }

  SECTION("queues") {
    const json queues = s.get("/api/queues").doc();
    bool saw = false;
    for (const json& q : queues) {
      if (q["name"] == "held") {
        saw = true;
        CHECK(q["paused"] == true);
        CHECK(q["counts"]["queued"] == 30);
      }
    }
    CHECK(saw);
  }

  SECTION("every bad parameter is a 400 naming it") {
    struct Case {
      std::string path;
      std::string starts;
    };
    const std::vector<Case> cases = {
        {"/api/jobs?limit=abc", "limit:"},
        {"/api/jobs?limit=0", "limit:"},
        {"/api/jobs?limit=1001", "limit:"},
        {"/api/jobs?state=bogus", "state:"},
        {"/api/jobs?sort=nope", "sort:"},
        {"/api/jobs?desc=maybe", "desc:"},
        {"/api/jobs?attempts=x", "attempts:"},
        {"/api/jobs?attempts=5:2", "attempts:"},
        {"/api/jobs?created_after=yesterday", "created_after:"},
        {"/api/jobs?created_after=10&created_before=5", "time range:"},
        {"/api/jobs?cursor=garbage", "cursor:"},
        {"/api/jobs?queue=no%20spaces", "queue:"},
        {"/api/jobs?foo=1", "foo: unknown parameter"},
        {"/api/jobs?search=%zz", "search:"},
        {"/api/jobs?search=%ff", "search:"},
        {"/api/jobs?limit=1&limit=2", "limit: given more than once"},
        {"/api/jobs/xyz", "id:"},
        {"/api/failed/groups", "by:"},
        {"/api/failed/groups?by=color", "by:"},
        {"/api/overview?x=1", "x: unknown parameter"},
        {"/api/resources?since=1y", "since:"},
    };
    for (const Case& c : cases) {
      const HttpResponse r = s.get(c.path);
      INFO(c.path << " -> " << r.status << " " << r.body);
      CHECK(r.status == 400);
      CHECK(r.error().rfind(c.starts, 0) == 0);
    }
    const HttpResponse missing = s.get("/api/jobs/00000000000000ff");
    CHECK(missing.status == 404);
    CHECK(missing.error().rfind("id:", 0) == 0);
    CHECK(s.get("/api/nothing").status == 404);
    CHECK(http(s.web_port, "DELETE", "/api/jobs").status == 405);
  }

  SECTION("the page and its files are embedded") {
    const HttpResponse page = s.get("/");
    CHECK(page.status == 200);
    CHECK(page.headers.at("content-type").rfind("text/html", 0) == 0);
    CHECK(page.body.find("<") != std::string::npos);
    CHECK(s.get("/no/such/file.js").status == 404);
  }
}

TEST_CASE("desaster-web streams ops, overviews and its connection over SSE", "[integration][web]") {
  WebSetup s;
  SseStream events(s.web_port, "/api/events");
  REQUIRE(events.wait_for("hello", [](const json&) { return true; }));
  CHECK(events.head().find("text/event-stream") != std::string::npos);
  create_paused_queue(s.n, "live");
  const JobId id = enqueue(s.n, {shell_job("true", "live")}).front();
  const std::string hex = format_job_id(id);
  auto op = events.wait_for("op", [&](const json& d) {
    for (const json& j : d["jobs"]) {
      if (j == hex) return true;
    }
    return false;
  });
  std::string seen;
  for (const std::string& name : events.seen()) seen += name + " ";
  INFO("events seen: " << seen);
  REQUIRE(op);
  CHECK(op->data["queues"][0] == "live");
  CHECK(op->data["state"] == "queued");
  auto overview =
      events.wait_for("overview", [](const json& d) { return d["totals"]["queued"] == 1; });
  CHECK(overview);

  SECTION("the node dies and comes back: the page is told both") {
    s.n.client.reset();
    s.n.node.kill9();
    auto lost =
        events.wait_for("connection", [](const json& d) { return d["state"] == "reconnecting"; });
    REQUIRE(lost);
    CHECK(s.get("/api/overview").doc()["connection_state"] == "reconnecting");
    // Reads still answer from the last state.
    CHECK(s.get("/api/jobs?queue=live").doc()["total"] == 1);
    REQUIRE(s.n.node.start());
    auto back = events.wait_for(
        "connection", [](const json& d) { return d["state"] == "connected"; },
        std::chrono::seconds(30));
    REQUIRE(back);
    CHECK(s.get("/api/overview").doc()["connection_state"] == "connected");
  }
}

TEST_CASE("desaster-web acts through the node: ids at once, filters as operations",
          "[integration][web]") {
  WebSetup s;
  create_paused_queue(s.n, "held");
  std::vector<protocol::JobSpec> specs;
  for (int i = 0; i < 40; ++i) specs.push_back(shell_job(i < 10 ? "echo victim" : "true", "held"));
  const std::vector<JobId> ids = enqueue(s.n, specs);
  s.wait_caught_up([](const json& o) { return count_of(o, "queued") == 40; });

  SECTION("without the CSRF token every POST is refused") {
    const HttpResponse r = s.post(
        "/api/actions", {{"action", "kill"}, {"ids", json::array({format_job_id(ids[0])})}}, false);
    CHECK(r.status == 403);
    CHECK(r.error().rfind("X-CSRF-Token", 0) == 0);
    const HttpResponse wrong =
        http(s.web_port, "POST", "/api/queues/held/resume", "{}", {"X-CSRF-Token: 0000"});
    CHECK(wrong.status == 403);
    CHECK(s.n.get(ids[0]).state == JobState::queued);
  }

  SECTION("kill by ids") {
    const HttpResponse r = s.post(
        "/api/actions",
        {{"action", "kill"}, {"ids", json::array({format_job_id(ids[0]), format_job_id(ids[1])})}});
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.doc()["done"] == 2);
    CHECK(s.n.get(ids[0]).state == JobState::killed);
    CHECK(s.n.get(ids[1]).state == JobState::killed);
  }

  SECTION("a queue and state filter: one node-side action, progress on SSE") {
    SseStream events(s.web_port, "/api/events");
    REQUIRE(events.wait_for("hello", [](const json&) { return true; }));
    const HttpResponse r = s.post(
        "/api/actions", {{"action", "kill"}, {"filter", {{"queue", "held"}, {"state", "queued"}}}});
    INFO(r.body);
    REQUIRE(r.status == 202);
    CHECK(r.doc()["matching"] == 40);
    const std::string op_id = r.doc()["operation_id"].get<std::string>();
    auto done = events.wait_for(
        "operation", [&](const json& d) { return d["id"] == op_id && d["state"] == "done"; });
    REQUIRE(done);
    CHECK(done->data["done"] == 40);
    const json op = s.get("/api/operations/" + op_id).doc();
    CHECK(op["state"] == "done");
    CHECK(op["done"] == 40);
    s.wait_caught_up([](const json& o) { return count_of(o, "killed") == 40; });
  }

  SECTION("a search filter is resolved on the replica and sent in batches") {
    const HttpResponse r =
        s.post("/api/actions",
               {{"action", "delete"}, {"filter", {{"search", "victim"}, {"queue", "held"}}}});
    INFO(r.body);
    REQUIRE(r.status == 202);
    CHECK(r.doc()["matching"] == 10);
    const std::string op_id = r.doc()["operation_id"].get<std::string>();
    REQUIRE(wait_until([&] { return s.get("/api/operations/" + op_id).doc()["state"] == "done"; }));
    CHECK(s.get("/api/operations/" + op_id).doc()["done"] == 10);
    s.wait_caught_up([](const json& o) { return count_of(o, "queued") == 30; });
    CHECK(s.get("/api/jobs?search=victim").doc()["total"] == 0);
  }

  SECTION("queue commands") {
    CHECK(s.post("/api/queues/held/resume", json::object()).status == 200);
    s.wait_caught_up([](const json& o) { return count_of(o, "queued") < 40; });
    const HttpResponse created = s.post("/api/queues", {{"name", "fresh"}, {"max_attempts", 3}});
    INFO(created.body);
    CHECK(created.status == 200);
    REQUIRE(wait_until(
        [&] { return s.get("/api/queues").body.find("\"fresh\"") != std::string::npos; }));
    const HttpResponse qdisc = s.post("/api/queues/fresh/qdisc", {{"spec", "sfq"}});
    INFO(qdisc.body);
    CHECK(qdisc.status == 200);
    CHECK(s.post("/api/queues/fresh/explode", json::object()).status == 404);
    CHECK(s.post("/api/queues/fresh/qdisc", {{"spec", "warp-drive"}}).error().rfind("spec:", 0) ==
          0);
  }

  SECTION("bad action bodies are 400s naming the field") {
    struct Case {
      std::string body;
      std::string starts;
    };
    const std::vector<Case> cases = {
        {"not json", "body:"},
        {"[1]", "body:"},
        {std::string(40, '[') + std::string(40, ']'), "body:"},
        {R"({"ids":["0000000000000001"]})", "action:"},
        {R"({"action":"explode","ids":["0000000000000001"]})", "action:"},
        {R"({"action":"kill"})", "ids:"},
        {R"({"action":"kill","ids":[]})", "ids:"},
        {R"({"action":"kill","ids":["zz"]})", "ids:"},
        {R"({"action":"kill","ids":[12]})", "ids:"},
        {R"({"action":"kill","filter":{}})", "filter:"},
        {R"({"action":"kill","filter":{"queue":""}})", "filter:"},
        {R"({"action":"kill","filter":{"state":"nope"}})", "filter.state:"},
        {R"({"action":"kill","filter":{"limit":"5"}})", "filter.limit:"},
        {R"({"action":"kill","ids":["0000000000000001"],"queue":"x"})", "queue:"},
        {R"({"action":"relocate","ids":["0000000000000001"]})", "queue:"},
        {R"({"action":"rerole","ids":["0000000000000001"],"priority":"high"})", "priority:"},
        {R"({"action":"rerole","ids":["0000000000000001"],"priority":99999999999})", "priority:"},
        {R"({"action":"reschedule","ids":["0000000000000001"]})", "run_at:"},
        {R"({"action":"pin","ids":["0000000000000001"]})", "node:"},
    };
    for (const Case& c : cases) {
      const HttpResponse r = http(s.web_port, "POST", "/api/actions", c.body,
                                  {"X-CSRF-Token: " + s.csrf(), "Content-Type: application/json"});
      INFO(c.body << " -> " << r.status << " " << r.body);
      CHECK(r.status == 400);
      CHECK(r.error().rfind(c.starts, 0) == 0);
    }
  }
}
