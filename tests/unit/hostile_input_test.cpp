// The inputs of issue 14, as a hostile client sends them, each refused with an
// error that names the field and what it must be: numbers that would overflow
// a clock, invalid UTF-8, nil and mistyped fields, oversized names and
// arguments, control characters that would forge a log line.
#include <catch2/catch.hpp>

#include <limits>

#include <msgpack.hpp>

#include "core/codec/text.hpp"
#include "core/node/log.hpp"
#include "core/node/options.hpp"
#include "core/node/protected_mode.hpp"
#include "core/node/socket_limits.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/limits.hpp"
#include "transport/protocol/messages.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

std::string request_frame(std::string_view type, const BodyWriter& body) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(kProtocolVersion);
  pk.pack(std::uint64_t{42});
  BodyWriter::pack_string(pk, type);
  const std::string bytes = body.finish();
  buffer.write(bytes.data(), bytes.size());
  return {buffer.data(), buffer.size()};
}

// An enqueue of one job whose spec the caller writes.
template <typename Fill>
std::string enqueue_frame(Fill fill) {
  BodyWriter spec;
  fill(spec);
  BodyWriter body;
  body.key("jobs").pack_array(1);
  body.append_packed(spec.finish());
  return request_frame("enqueue", body);
}

std::string decode_error(const std::string& bytes) {
  Result<Request> result = decode_request(bytes);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code == ErrorCode::bad_request);
  return result.status().message;
}

}  // namespace

TEST_CASE("an in_ms that would overflow the clock is refused with its range",
          "[transport][protocol][hostile]") {
  CHECK(decode_error(enqueue_frame([](BodyWriter& s) { s.add("in_ms", kInt64Max); })) ==
        "request body field 'jobs[0].in_ms' must be an integer in [0, 315360000000]");
  CHECK(decode_error(enqueue_frame([](BodyWriter& s) { s.add("in_ms", std::int64_t{-1}); })) ==
        "request body field 'jobs[0].in_ms' must be an integer in [0, 315360000000]");
  // The largest delay still decodes.
  CHECK(decode_request(enqueue_frame([](BodyWriter& s) { s.add("in_ms", kMaxDelayMs); })).ok());
}

TEST_CASE("a run_at past the year 9999 is refused with its range",
          "[transport][protocol][hostile]") {
  CHECK(decode_error(enqueue_frame([](BodyWriter& s) { s.add("run_at", kInt64Max); })) ==
        "request body field 'jobs[0].run_at' must be an integer in [0, 253402300799999]");
}

TEST_CASE("a reschedule with an in_ms that would overflow is refused",
          "[transport][protocol][hostile]") {
  BodyWriter body;
  body.add("action", "reschedule")
      .add("ids", std::vector<std::uint64_t>{1})
      .add("in_ms", kInt64Max);
  CHECK(decode_error(request_frame("action", body)) ==
        "request body field 'in_ms' must be an integer in [0, 315360000000]");
  BodyWriter at;
  at.add("action", "reschedule").add("ids", std::vector<std::uint64_t>{1}).add("run_at", kInt64Max);
  CHECK(decode_error(request_frame("action", at)) ==
        "request body field 'run_at' must be an integer in [0, 253402300799999]");
}

TEST_CASE("a list page size of 0 or above 10000 is refused", "[transport][protocol][hostile]") {
  BodyWriter zero;
  zero.add("limit", 0);
  CHECK(decode_error(request_frame("list", zero)) ==
        "request body field 'limit' must be an integer in [1, 10000]");
  BodyWriter big;
  big.add("limit", 10'001);
  CHECK(decode_error(request_frame("list", big)) ==
        "request body field 'limit' must be an integer in [1, 10000]");
}

TEST_CASE("windows and retention longer than ten years are refused",
          "[transport][protocol][hostile]") {
  BodyWriter config;
  config.add("retention_ms", std::uint64_t{1} << 63);
  BodyWriter queue;
  queue.add("action", "create").add("name", "q").add_packed("config", config.finish());
  CHECK(decode_error(request_frame("queue", queue)) ==
        "request body field 'config.retention_ms' must be an integer in [0, 315360000000]");
  BodyWriter blacklist;
  blacklist.add("action", "window").add("queue", "q").add("window_ms", std::uint64_t{1} << 63);
  CHECK(decode_error(request_frame("blacklist", blacklist))
            .find("field 'window_ms' must be an integer in [0, 315360000000]") !=
        std::string::npos);
}

TEST_CASE("worker slots above the limit are refused", "[transport][protocol][hostile]") {
  BodyWriter credit;
  credit.add("slots", 4'000'000'000u);
  CHECK(decode_error(request_frame("credit", credit)) ==
        "request body field 'slots' must be an integer in [0, 100000]");
}

TEST_CASE("a queue name with invalid UTF-8 is refused, naming the field",
          "[transport][protocol][hostile]") {
  CHECK(decode_error(enqueue_frame([](BodyWriter& s) { s.add("queue", "ma\xffil"); })) ==
        "request body field 'jobs[0].queue' is not valid UTF-8 (at byte 2)");
  CHECK(decode_error(enqueue_frame([](BodyWriter& s) { s.add("class", "Mail\xc0\xafJob"); })) ==
        "request body field 'jobs[0].class' is not valid UTF-8 (at byte 4)");
  // Valid UTF-8 beyond ASCII is a fine class name.
  CHECK(
      decode_request(enqueue_frame([](BodyWriter& s) { s.add("class", "Ma\xc3\xaflJob"); })).ok());
}

TEST_CASE("every error reply is valid UTF-8, whatever the message quotes",
          "[transport][protocol][hostile]") {
  const std::string reply =
      encode_reply(7, Status::error(ErrorCode::bad_request, "queue 'a\xff\xfe' is bad"), {});
  Result<Reply> decoded = decode_reply(reply);
  REQUIRE(decoded.ok());
  CHECK_FALSE(codec::invalid_utf8_at(decoded->status.message).has_value());
  CHECK(decoded->status.message == "queue 'a\xef\xbf\xbd\xef\xbf\xbd' is bad");
}

TEST_CASE("nil and mistyped fields are refused with the expected type",
          "[transport][protocol][hostile]") {
  CHECK(decode_error(enqueue_frame([](BodyWriter& s) { s.key("queue").pack_nil(); })) ==
        "request body field 'jobs[0].queue' must be a string, not nil");
  CHECK(decode_error(enqueue_frame([](BodyWriter& s) { s.key("priority").pack_nil(); })) ==
        "request body field 'jobs[0].priority' must be an integer in [-2147483648, 2147483647], "
        "not nil");
  CHECK(decode_error(enqueue_frame([](BodyWriter& s) { s.add("priority", "5"); })) ==
        "request body field 'jobs[0].priority' must be an integer in [-2147483648, 2147483647], "
        "not a string");
  CHECK(decode_error(enqueue_frame([](BodyWriter& s) { s.add("in_ms", "5000"); })) ==
        "request body field 'jobs[0].in_ms' must be an integer in [0, 315360000000], not a string");
  CHECK(decode_error(enqueue_frame([](BodyWriter& s) { s.add("queue", 5); })) ==
        "request body field 'jobs[0].queue' must be a string, not an integer");
  BodyWriter wait;
  wait.key("jobs").pack_nil();
  CHECK(decode_error(request_frame("enqueue", wait)) ==
        "request body field 'jobs' is nil (leave the field out to mean 'not set')");
}

TEST_CASE("names longer than 255 bytes are refused with the limit",
          "[transport][protocol][hostile]") {
  const std::string huge(10u << 20, 'q');
  CHECK(decode_error(enqueue_frame([&](BodyWriter& s) { s.add("queue", huge); })) ==
        "request body field 'jobs[0].queue' is 10485760 bytes, longer than the limit of 255");
  const std::string long_class(256, 'C');
  CHECK(decode_error(enqueue_frame([&](BodyWriter& s) { s.add("class", long_class); })) ==
        "request body field 'jobs[0].class' is 256 bytes, longer than the limit of 255");
  CHECK(decode_request(enqueue_frame([&](BodyWriter& s) {
          s.add("class", long_class.substr(0, 255));
        })).ok());
}

TEST_CASE("a job's arguments above 1 MiB are refused with the limit",
          "[transport][protocol][hostile]") {
  const std::string args((1u << 20) + 1, 'x');
  CHECK(decode_error(enqueue_frame([&](BodyWriter& s) { s.add_bytes("payload", args); })) ==
        "request body field 'jobs[0].payload' is 1048577 bytes, larger than the limit of 1048576");
}

TEST_CASE("a worker name holding a newline is refused", "[transport][protocol][hostile]") {
  BodyWriter hello;
  hello.add("name", "w1\n2026-01-01T00:00:00.000Z error forged").add("slots", 1);
  CHECK(decode_error(request_frame("worker", hello)) ==
        "request body field 'name' holds a control character (\\x0a)");
}

TEST_CASE("log lines escape control characters, so none can be forged", "[node][log][hostile]") {
  CHECK(escape_log_text("worker w1\nerror forged") == "worker w1\\nerror forged");
  CHECK(escape_log_text("a\rb\tc\x1b[31md\x7f") == "a\\rb\\tc\\x1b[31md\\x7f");
  CHECK(escape_log_text("caf\xc3\xa9") == "caf\xc3\xa9");
}

TEST_CASE("UTF-8 validation follows RFC 3629", "[transport][protocol][hostile]") {
  CHECK_FALSE(codec::invalid_utf8_at("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80").has_value());
  CHECK(codec::invalid_utf8_at("\xc0\x80") == 0u);          // overlong NUL
  CHECK(codec::invalid_utf8_at("ab\xed\xa0\x80") == 2u);    // a surrogate
  CHECK(codec::invalid_utf8_at("\xf4\x90\x80\x80") == 0u);  // above U+10FFFF
  CHECK(codec::invalid_utf8_at("x\xe2\x82") == 1u);         // cut short
  CHECK(codec::invalid_utf8_at("\x80") == 0u);              // a lone continuation byte
  CHECK(codec::to_valid_utf8("a\xffz") == "a\xef\xbf\xbdz");
  // A cut never splits a character.
  CHECK(codec::to_valid_utf8("\xc3\xa9\xc3\xa9", 3) == "\xc3\xa9...");
}

TEST_CASE("the --max-request flag takes a size from 64K to 16M", "[node][options][hostile]") {
  auto parsed = parse_node_options({"desaster", "--max-request", "1M"});
  REQUIRE(parsed.ok());
  CHECK(parsed->max_request_bytes == 1u << 20);
  CHECK(parse_node_options({"desaster"})->max_request_bytes == kDefaultMaxRequestBytes);
  auto small = parse_node_options({"desaster", "--max-request=1K"});
  REQUIRE_FALSE(small.ok());
  CHECK(small.status().message == "--max-request: '1K' is not a size from 64K to 16M (such as 4M)");
  CHECK_FALSE(parse_node_options({"desaster", "--max-request=17M"}).ok());
}

TEST_CASE("every listening socket has a message limit of its own", "[node][hostile]") {
  CHECK(max_message_bytes(ListenSocket::client, 4u << 20) == 4 << 20);
  CHECK(max_message_bytes(ListenSocket::feed, 4u << 20) == kMaxFeedInboundBytes);
  CHECK(max_message_bytes(ListenSocket::dispatch, 4u << 20) == kMaxPeerMessageBytes);
}

TEST_CASE("protected mode tells loopback from other addresses", "[node][hostile]") {
  CHECK(is_loopback_address("127.0.0.1"));
  CHECK(is_loopback_address("127.10.0.3"));
  CHECK(is_loopback_address("::1"));
  CHECK(is_loopback_address("::ffff:127.0.0.1"));
  CHECK_FALSE(is_loopback_address("10.0.0.1"));
  CHECK_FALSE(is_loopback_address("128.0.0.1"));
  CHECK_FALSE(is_loopback_address(""));
  CHECK(protected_mode_refusal().find("-k KEY or DESASTER_KEY") != std::string::npos);
}

TEST_CASE("a protected node's state feed listens on loopback only", "[node][hostile]") {
  CHECK(listen_address(ListenSocket::feed, "0.0.0.0", true) == "127.0.0.1");
  CHECK(listen_address(ListenSocket::feed, "10.1.2.3", true) == "127.0.0.1");
  CHECK(listen_address(ListenSocket::feed, "127.0.0.5", true) == "127.0.0.5");
  CHECK(listen_address(ListenSocket::feed, "0.0.0.0", false) == "0.0.0.0");
  // Clients get a clear refusal on the client port; peers need dispatch.
  CHECK(listen_address(ListenSocket::client, "0.0.0.0", true) == "0.0.0.0");
  CHECK(listen_address(ListenSocket::dispatch, "0.0.0.0", true) == "0.0.0.0");
}
