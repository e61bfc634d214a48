// The client protocol's requests: every type survives a round trip, and
// malformed frames are refused with a message naming what was wrong.
#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/messages.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

JobSpec full_spec() {
  JobSpec spec;
  spec.queue = "mail";
  spec.kind = JobKind::ruby;
  spec.job_class = "MailJob";
  spec.payload = std::string("\x93\x01\x00\xff", 4);
  spec.unique_key = "mail-42";
  spec.priority = -7;
  spec.run_at = 1'717'000'000'000;
  spec.in_ms = 2500;
  spec.timeout_ms = 30'000;
  spec.retry = {5, 100, 60'000};
  spec.flow = "customer-9";
  return spec;
}

std::vector<RequestBody> every_body() {
  QueueConfig config;
  config.paused = true;
  config.retry = {3, 10, 20};
  config.retention_ms = 99;
  Report report;
  report.id = 0x1234'5678'9abc'def0;
  report.term = 9;
  report.attempt = 2;
  report.outcome = Outcome::timed_out;
  report.exit_status = -9;
  report.output = "out";
  report.error = "took too long";
  report.cpu_ms = 1200;
  report.max_rss_kb = 4096;
  return {
      Hello{kProtocolVersion, "ctl"},
      Enqueue{{full_spec(), JobSpec{}}, true, 5000},
      Wait{{1, 2, 0xffff'ffff'ffff'ffff}, 100},
      Get{77},
      List{"mail", JobState::dead, 500, 20},
      Retry{{3, 4}},
      Delete{{5}},
      Queues{},
      QueueCommand{QueueAction::create, "mail", config},
      QueueCommand{QueueAction::remove, "old", std::nullopt},
      Stats{},
      WorkerHello{"w1", {"mail", "*"}, {JobKind::shell, JobKind::task}, 4, "app", {}},
      Credit{3},
      Credit{0, 2},
      report,
      Heartbeat{},
      QdiscCommand{QdiscAction::set, "mail", QdiscConfig{QdiscKind::sfq, 0, 4, {}, {}, {}}},
      Upgrade{true, "/usr/sbin/desaster"},
  };
}

// A frame built by hand: [version, id, type, body] with body from a writer.
std::string frame(std::uint64_t version, std::uint64_t id, std::string_view type,
                  const std::string& body) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(version);
  pk.pack(id);
  BodyWriter::pack_string(pk, type);
  buffer.write(body.data(), body.size());
  return {buffer.data(), buffer.size()};
}

std::string request_frame(std::string_view type, const BodyWriter& body) {
  return frame(kProtocolVersion, 42, type, body.finish());
}

std::string decode_error(const std::string& bytes, std::uint64_t* id = nullptr) {
  Result<Request> result = decode_request(bytes, id);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code == ErrorCode::bad_request);
  return result.status().message;
}

}  // namespace

TEST_CASE("every request type survives a round trip", "[transport][protocol]") {
  std::uint64_t id = 1;
  for (const RequestBody& body : every_body()) {
    Request request{id++, body};
    std::string bytes = encode_request(request);
    Result<Request> decoded = decode_request(bytes);
    INFO(request_type(body));
    REQUIRE(decoded.ok());
    CHECK(decoded->id == request.id);
    CHECK(decoded->body.index() == body.index());
    // Every field above differs from its default, so a field the decoder
    // dropped would come out differently here.
    CHECK(encode_request(*decoded) == bytes);
  }
}

TEST_CASE("a decoded job spec keeps every field", "[transport][protocol]") {
  Result<Request> decoded = decode_request(encode_request({1, Enqueue{{full_spec()}, false, 0}}));
  REQUIRE(decoded.ok());
  const JobSpec& spec = std::get<Enqueue>(decoded->body).jobs.at(0);
  const JobSpec want = full_spec();
  CHECK(spec.queue == want.queue);
  CHECK(spec.kind == want.kind);
  CHECK(spec.job_class == want.job_class);
  CHECK(spec.payload == want.payload);
  CHECK(spec.unique_key == want.unique_key);
  CHECK(spec.priority == want.priority);
  CHECK(spec.run_at == want.run_at);
  CHECK(spec.in_ms == want.in_ms);
  CHECK(spec.timeout_ms == want.timeout_ms);
  CHECK(spec.retry.max_attempts == want.retry.max_attempts);
  CHECK(spec.retry.backoff_base_ms == want.retry.backoff_base_ms);
  CHECK(spec.retry.backoff_max_ms == want.retry.backoff_max_ms);
}

TEST_CASE("missing optional fields take the struct defaults, nil ones are refused",
          "[transport][protocol]") {
  BodyWriter body;
  body.key("jobs").pack_array(1);
  body.append_packed(BodyWriter{}.finish());
  Result<Request> decoded = decode_request(request_frame("enqueue", body));
  REQUIRE(decoded.ok());
  const Enqueue& enqueue = std::get<Enqueue>(decoded->body);
  CHECK_FALSE(enqueue.wait);
  const JobSpec& got = enqueue.jobs.at(0);
  CHECK(got.queue == "default");
  CHECK(got.kind == JobKind::shell);
  CHECK(got.priority == 0);

  Result<Request> list = decode_request(request_frame("list", BodyWriter{}));
  REQUIRE(list.ok());
  CHECK(std::get<List>(list->body).limit == 100);
  CHECK_FALSE(std::get<List>(list->body).state.has_value());

  // A client that means "not set" leaves the field out; nil is refused.
  BodyWriter spec;
  spec.key("priority").pack_nil();
  BodyWriter with_nil;
  with_nil.key("jobs").pack_array(1);
  with_nil.append_packed(spec.finish());
  CHECK(decode_error(request_frame("enqueue", with_nil)) ==
        "request body field 'jobs[0].priority' must be an integer in [-2147483648, 2147483647], "
        "not nil");
}

TEST_CASE("a payload sent as a string is accepted", "[transport][protocol]") {
  BodyWriter spec;
  spec.add("payload", "{\"argv\":[\"true\"]}");
  BodyWriter body;
  body.key("jobs").pack_array(1);
  body.append_packed(spec.finish());
  Result<Request> decoded = decode_request(request_frame("enqueue", body));
  REQUIRE(decoded.ok());
  CHECK(std::get<Enqueue>(decoded->body).jobs.at(0).payload == "{\"argv\":[\"true\"]}");
}

TEST_CASE("a frame that is not a 4-element array is refused", "[transport][protocol]") {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(3);
  pk.pack(1), pk.pack(2), pk.pack(3);
  std::uint64_t id = 99;
  CHECK(decode_error({buffer.data(), buffer.size()}, &id) ==
        "request must be an array of 4: [version, id, type, body]");
  CHECK(id == 0);
  CHECK(decode_error(std::string("\xa3"
                                 "abc")) ==
        "request must be an array of 4: [version, id, type, body]");
}

TEST_CASE("bytes that are not msgpack are refused", "[transport][protocol]") {
  CHECK(decode_error("") == "request is empty");
  CHECK(decode_error(std::string("\x94\x01", 2)) ==
        "request is truncated (an array of 4 elements in 2 bytes)");
  CHECK(decode_error(std::string("\xc1", 1)) == "request is not valid msgpack (at byte 0)");
}

TEST_CASE("a frame from another protocol version is refused but answerable",
          "[transport][protocol]") {
  std::uint64_t id = 0;
  CHECK(decode_error(frame(7, 42, "get", "\x80"), &id) ==
        "protocol version 7 is not supported (this node speaks 1)");
  CHECK(id == 42);
}

TEST_CASE("an unknown request type is refused by name", "[transport][protocol]") {
  std::uint64_t id = 0;
  CHECK(decode_error(frame(1, 5, "frob", "\x80"), &id) == "unknown request type 'frob'");
  CHECK(id == 5);
}

TEST_CASE("a request id that is not an unsigned integer is refused", "[transport][protocol]") {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(1), pk.pack(-3), pk.pack(std::string("get")), pk.pack_map(0);
  std::uint64_t id = 1;
  CHECK(decode_error({buffer.data(), buffer.size()}, &id) ==
        "request id must be an integer in [0, 18446744073709551615]");
  CHECK(id == 0);
  CHECK(decode_error(frame(1, 0, "stats", "\x80")) == "request id 0 is reserved for pushes");
}

TEST_CASE("a body that is not a map is refused", "[transport][protocol]") {
  CHECK(decode_error(frame(1, 5, "get", "\x90")) == "request body must be a map");
}

TEST_CASE("unknown fields are refused by name", "[transport][protocol]") {
  BodyWriter body;
  body.add("id", 3).add("frob", true);
  CHECK(decode_error(request_frame("get", body)) == "request body field 'frob' is not known");

  BodyWriter spec;
  spec.add("queue", "q").add("colour", "red");
  BodyWriter enqueue;
  enqueue.key("jobs").pack_array(1);
  enqueue.append_packed(spec.finish());
  CHECK(decode_error(request_frame("enqueue", enqueue)) ==
        "request body field 'jobs[0].colour' is not known");
}

TEST_CASE("mistyped fields are refused by name", "[transport][protocol]") {
  BodyWriter jobs;
  jobs.add("jobs", "not an array");
  CHECK(decode_error(request_frame("enqueue", jobs)) ==
        "request body field 'jobs' must be an array, not a string");

  BodyWriter item;
  item.add("priority", 1ull << 40);
  BodyWriter enqueue;
  enqueue.key("jobs").pack_array(2);
  enqueue.append_packed(BodyWriter{}.finish());
  enqueue.append_packed(item.finish());
  CHECK(decode_error(request_frame("enqueue", enqueue)) ==
        "request body field 'jobs[1].priority' must be an integer in [-2147483648, 2147483647]");

  BodyWriter kind_item;
  kind_item.add("kind", "perl");
  BodyWriter kind;
  kind.key("jobs").pack_array(1);
  kind.append_packed(kind_item.finish());
  CHECK(decode_error(request_frame("enqueue", kind)) ==
        "request body field 'jobs[0].kind' has unknown value 'perl'");

  BodyWriter ids;
  ids.key("ids").pack_array(2);
  ids.append_packed("\x01");
  ids.append_packed("\xa1x");
  CHECK(decode_error(request_frame("retry", ids)) ==
        "request body field 'ids[1]' must be an integer in [0, 18446744073709551615], not a "
        "string");

  BodyWriter state;
  state.add("state", "sleeping");
  CHECK(decode_error(request_frame("list", state)) ==
        "request body field 'state' has unknown value 'sleeping'");

  BodyWriter wait;
  wait.add("ids", std::vector<std::uint64_t>{1}).add("wait", 1);
  CHECK(decode_error(request_frame("enqueue", wait)).find("field 'jobs'") != std::string::npos);

  BodyWriter config;
  config.add("action", "create").add("name", "q").add("config", 5);
  CHECK(decode_error(request_frame("queue", config)) ==
        "request body field 'config' must be a map, not an integer");

  BodyWriter paused;
  paused.add("paused", "yes");
  BodyWriter queue;
  queue.add("action", "create").add("name", "q").add_packed("config", paused.finish());
  CHECK(decode_error(request_frame("queue", queue)) ==
        "request body field 'config.paused' must be a boolean, not a string");

  BodyWriter action;
  action.add("action", "explode").add("name", "q");
  CHECK(decode_error(request_frame("queue", action)) ==
        "request body field 'action' has unknown value 'explode'");

  BodyWriter outcome;
  outcome.add("id", 1).add("term", 1).add("attempt", 1).add("outcome", "meh");
  CHECK(decode_error(request_frame("report", outcome)) ==
        "request body field 'outcome' has unknown value 'meh'");

  BodyWriter withdraw;
  withdraw.add("slots", 0).add("withdraw", 100'001);
  CHECK(decode_error(request_frame("credit", withdraw)) ==
        "request body field 'withdraw' must be an integer in [0, 100000]");

  BodyWriter queues;
  queues.key("queues").pack_array(1);
  queues.append_packed("\x07");
  CHECK(decode_error(request_frame("worker", queues)) ==
        "request body field 'queues[0]' must be a string, not an integer");
}

TEST_CASE("a job spec that is not a map is refused with its place", "[transport][protocol]") {
  BodyWriter enqueue;
  enqueue.key("jobs").pack_array(1);
  enqueue.append_packed("\x2a");
  CHECK(decode_error(request_frame("enqueue", enqueue)) ==
        "request body field 'jobs[0]' must be a map, not an integer");
}

TEST_CASE("required fields are refused when missing", "[transport][protocol]") {
  CHECK(decode_error(request_frame("get", BodyWriter{})) == "request body field 'id' is missing");
  CHECK(decode_error(request_frame("enqueue", BodyWriter{})) ==
        "request body field 'jobs' is missing");
  BodyWriter report;
  report.add("id", 1).add("term", 1).add("outcome", "failed");
  CHECK(decode_error(request_frame("report", report)) == "request body field 'attempt' is missing");
}

TEST_CASE("a key that appears twice is refused", "[transport][protocol]") {
  BodyWriter body;
  body.add("id", 1).add("id", 2);
  CHECK(decode_error(request_frame("get", body)) ==
        "request body field 'id' appears more than once");
}

TEST_CASE("a map key that is not a string is refused", "[transport][protocol]") {
  CHECK(decode_error(frame(1, 3, "get", std::string("\x81\x01\x02", 3))) ==
        "request body has a key that is not a string");
}

TEST_CASE("a batch over the limit is refused", "[transport][protocol]") {
  Wait wait;
  wait.ids.assign(kMaxBatch + 1, 7);
  CHECK(decode_error(encode_request({1, wait})) ==
        "request body field 'ids' has 100001 items, more than the limit of 100000");
  wait.ids.resize(kMaxBatch);
  CHECK(decode_request(encode_request({1, wait})).ok());
}

TEST_CASE("a frame over the size limit is refused before it is parsed", "[transport][protocol]") {
  std::string huge(kMaxFrameBytes + 1, '\0');
  CHECK(decode_error(huge) == "request of 16777217 bytes is larger than the limit of 16777216");
}

TEST_CASE("trailing bytes after the request are refused", "[transport][protocol]") {
  std::string bytes = encode_request({3, Stats{}}) + "\x01\x02";
  std::uint64_t id = 1;
  CHECK(decode_error(bytes, &id) == "request has 2 trailing bytes after its message");
  CHECK(id == 0);
}

TEST_CASE("a tiny frame announcing a huge array is refused without allocating",
          "[transport][protocol]") {
  // array32 of 4 billion elements in 5 bytes.
  CHECK(decode_error(std::string("\xdd\xff\xff\xff\xff", 5)) ==
        "request is truncated (an array of 4294967295 elements in 5 bytes)");
  CHECK(decode_error(std::string("\xdf\xff\xff\xff\xff", 5)) ==
        "request is truncated (a map of 4294967295 pairs in 5 bytes)");
  CHECK(decode_error(std::string("\xdb\xff\xff\xff\xff", 5)) == "request is truncated");
}

TEST_CASE("deep nesting is refused", "[transport][protocol]") {
  std::string bytes = std::string("\x94\x01\x01\xa3get") + std::string(200, '\x91') + "\x01";
  CHECK(decode_error(bytes) == "request nests deeper than 32 levels");
}

TEST_CASE("hostile text is quoted back printable", "[transport][protocol]") {
  CHECK(decode_error(frame(1, 5, std::string("x\n\x01", 3), "\x80")) ==
        "unknown request type 'x\\x0a\\x01'");
}
