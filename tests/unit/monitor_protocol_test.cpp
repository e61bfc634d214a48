// The "resources" and "blacklist" requests and replies: round trips, and
// malformed bodies refused with the field named.
#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/replies.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

std::string request_frame(std::string_view type, const BodyWriter& body) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(kProtocolVersion);
  pk.pack(42);
  BodyWriter::pack_string(pk, type);
  std::string bytes = body.finish();
  buffer.write(bytes.data(), bytes.size());
  return {buffer.data(), buffer.size()};
}

std::string error_of(std::string_view type, const BodyWriter& body) {
  Result<Request> r = decode_request(request_frame(type, body));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code == ErrorCode::bad_request);
  return r.status().message;
}

template <typename Body>
Body round_trip_request(const Body& body) {
  Result<Request> r = decode_request(encode_request(Request{7, body}));
  INFO(r.status().message);
  REQUIRE(r.ok());
  REQUIRE(std::holds_alternative<Body>(r->body));
  return std::get<Body>(r->body);
}

}  // namespace

TEST_CASE("resources and blacklist requests survive a round trip", "[transport][monitor]") {
  Resources res = round_trip_request(Resources{"minutes", 3'600'000});
  CHECK(res.series == "minutes");
  CHECK(res.since_ms == 3'600'000);
  CHECK(round_trip_request(Resources{}).series.empty());

  BlacklistCommand list;
  list.queue = "mail";
  list.search = "cust";
  list.limit = 5;
  BlacklistCommand l = round_trip_request(list);
  CHECK(l.action == BlacklistAction::list);
  CHECK(l.queue == "mail");
  CHECK(l.search == "cust");
  CHECK(l.limit == 5);

  BlacklistCommand clear;
  clear.action = BlacklistAction::clear;
  clear.queue = "mail";
  clear.identity = "key:a";
  BlacklistCommand c = round_trip_request(clear);
  CHECK(c.action == BlacklistAction::clear);
  CHECK(c.identity == "key:a");

  BlacklistCommand window;
  window.action = BlacklistAction::window;
  window.queue = "mail";
  window.window_ms = 0;  // off is sent, not left out
  BlacklistCommand w = round_trip_request(window);
  CHECK(w.action == BlacklistAction::window);
  CHECK(w.window_ms == 0);

  QueueConfig config;
  config.dedup_window_ms = 600'000;
  QueueCommand q = round_trip_request(QueueCommand{QueueAction::create, "mail", config});
  CHECK(q.config->dedup_window_ms == 600'000);
}

TEST_CASE("malformed resources and blacklist requests are refused by field",
          "[transport][monitor]") {
  BodyWriter series;
  series.add("series", "hours");
  CHECK(error_of("resources", series) ==
        "request body field 'series' must be seconds, minutes or none");
  BodyWriter since;
  since.add("since_ms", -5);
  CHECK(error_of("resources", since).find("'since_ms'") != std::string::npos);
  BodyWriter unknown;
  unknown.add("colour", "blue");
  CHECK(error_of("resources", unknown).find("'colour'") != std::string::npos);

  BodyWriter no_action;
  CHECK(error_of("blacklist", no_action) == "request body field 'action' is missing");
  BodyWriter bad_action;
  bad_action.add("action", "burn");
  CHECK(error_of("blacklist", bad_action) ==
        "request body field 'action' has unknown value 'burn'");
  BodyWriter window;
  window.add("action", "window").add("queue", "mail");
  CHECK(error_of("blacklist", window) == "request body field 'window_ms' is missing");
  BodyWriter identity;
  identity.add("action", "clear").add("identity", "key:a");
  CHECK(error_of("blacklist", identity) == "request body field 'queue' is missing");
  BodyWriter limit;
  limit.add("action", "list").add("limit", 1'000'000);
  CHECK(error_of("blacklist", limit).find("'limit' must be at most") != std::string::npos);
  BodyWriter mistyped;
  mistyped.add("action", "list").add("search", 5);
  CHECK(error_of("blacklist", mistyped).find("'search'") != std::string::npos);
}

TEST_CASE("resources and blacklist replies survive a round trip", "[transport][monitor]") {
  ResourcesReply r;
  r.node = "abc";
  r.samples = 12;
  r.current = {1000, 42.5, 2048, 8192, 0.5, 0.25, 0.125};
  r.workers.push_back({1234, "shell", "job", 0x55, 99.5, 4096});
  r.workers.push_back({1235, "app", "master", 0, 0, 100});
  r.series = "seconds";
  r.history.push_back({2000, 1, 10, 10, 300, 300, 0.5, 0.5});
  r.jobs_run = {{"node-a", 7}, {"node-b", 3}};
  ResourcesReply out;
  REQUIRE(decode_body(encode_body(r), out).ok());
  CHECK(out.node == "abc");
  CHECK(out.samples == 12);
  CHECK(out.current.cpu_percent == 42.5);
  CHECK(out.current.load15 == 0.125);
  REQUIRE(out.workers.size() == 2);
  CHECK(out.workers[0].job == 0x55);
  CHECK(out.workers[0].cpu_percent == 99.5);
  CHECK(out.workers[1].role == "master");
  REQUIRE(out.history.size() == 1);
  CHECK(out.history[0].mem_max_kb == 300);
  CHECK(out.jobs_run == r.jobs_run);

  BlacklistReply b;
  b.queues.push_back({"mail", 600'000, 3, {{"key:a", 9, 100, 600'100, true}}});
  BlacklistReply bout;
  REQUIRE(decode_body(encode_body(b), bout).ok());
  REQUIRE(bout.queues.size() == 1);
  CHECK(bout.queues[0].rejections == 3);
  REQUIRE(bout.queues[0].entries.size() == 1);
  CHECK(bout.queues[0].entries[0].identity == "key:a");
  CHECK(bout.queues[0].entries[0].processed);
  CHECK(bout.queues[0].entries[0].expires_at == 600'100);
}

TEST_CASE("resources and blacklist replies refuse mistyped fields by name",
          "[transport][monitor]") {
  BodyWriter cpu;
  BodyWriter current;
  current.add("cpu_percent", "high");
  cpu.add_packed("current", current.finish());
  ResourcesReply r;
  CHECK(decode_body(cpu.finish(), r).message ==
        "reply body field 'current.cpu_percent' must be a number");

  BodyWriter workers;
  BodyWriter worker;
  worker.add("pid", "x");
  workers.key("workers").pack_array(1);
  workers.append_packed(worker.finish());
  CHECK(decode_body(workers.finish(), r).message.find("'workers[0].pid'") != std::string::npos);

  BlacklistReply b;
  CHECK(decode_body("\x80", b).message == "reply body field 'queues' is missing");
  BodyWriter entries;
  BodyWriter queue;
  BodyWriter entry;
  entry.add("job", 1);
  queue.add("queue", "mail").key("entries").pack_array(1);
  queue.append_packed(entry.finish());
  entries.key("queues").pack_array(1);
  entries.append_packed(queue.finish());
  CHECK(decode_body(entries.finish(), b).message ==
        "reply body field 'queues[0].entries[0].identity' is missing");
}
