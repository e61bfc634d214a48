// The state feed on the wire: the PUB frame and the catch-up requests and
// replies. Round trips, and malformed input refused with what was wrong.
#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/feed_frame.hpp"
#include "transport/protocol/messages.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

template <typename... T>
std::string pack_array(const T&... items) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(sizeof...(T));
  (pk.pack(items), ...);
  return {buffer.data(), buffer.size()};
}

std::string frame_error(std::string_view frame) {
  Result<LogEntry> r = decode_feed_frame(frame);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code == ErrorCode::bad_request);
  return r.status().message;
}

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

}  // namespace

TEST_CASE("a feed frame survives a round trip", "[transport][feed]") {
  LogEntry in{7, 12345, 1'750'000'000'123, std::string("op\0bytes", 8), EntryKind::config_change};
  Result<LogEntry> out = decode_feed_frame(encode_feed_frame(in));
  REQUIRE(out.ok());
  CHECK(out->term == 7);
  CHECK(out->index == 12345);
  CHECK(out->timestamp == 1'750'000'000'123);
  CHECK(out->op == in.op);
  CHECK(out->kind == EntryKind::config_change);
}

TEST_CASE("malformed feed frames are refused with what was wrong", "[transport][feed]") {
  CHECK_THAT(frame_error(""), Catch::Contains("empty"));
  CHECK_THAT(frame_error("\xc1"), Catch::Contains("feed frame"));
  CHECK_THAT(frame_error(pack_array(1, 2)), Catch::Contains("has 2 fields"));
  CHECK_THAT(frame_error(std::string("\x90", 1)), Catch::Contains("empty array"));
  CHECK_THAT(frame_error(pack_array(std::string("x"))), Catch::Contains("'version'"));
  CHECK_THAT(frame_error(pack_array(2, 1, 1, 1, 0, 1)),
             Catch::Contains("this build reads version 1"));
  CHECK_THAT(frame_error(pack_array(1, 0, 1, 1, 0, msgpack::type::raw_ref("x", 1))),
             Catch::Contains("'index' must be at least 1"));
  CHECK_THAT(frame_error(pack_array(1, -1, 1, 1, 0, 1)), Catch::Contains("'index'"));
  CHECK_THAT(frame_error(pack_array(1, 1, 1, "t", 0, 1)), Catch::Contains("'timestamp'"));
  CHECK_THAT(frame_error(pack_array(1, 1, 1, 1, 9, 1)),
             Catch::Contains("'kind' has unknown value 9"));
  CHECK_THAT(frame_error(pack_array(1, 1, 1, 1, 0, 5)), Catch::Contains("'op' must be binary"));
  std::string good = encode_feed_frame(LogEntry{1, 1, 1, "op"});
  CHECK_THAT(frame_error(good + "x"), Catch::Contains("trailing"));
  CHECK_THAT(frame_error(good.substr(0, good.size() - 1)), Catch::Contains("feed frame"));
}

TEST_CASE("feed requests survive a round trip", "[transport][feed]") {
  Result<Request> snapshot = decode_request(encode_request(Request{3, FeedSnapshot{}}));
  REQUIRE(snapshot.ok());
  CHECK(std::holds_alternative<FeedSnapshot>(snapshot->body));
  CHECK(std::string(request_type(snapshot->body)) == "feed_snapshot");
  Result<Request> chunk = decode_request(encode_request(Request{5, FeedSnapshot{4096, 77}}));
  REQUIRE(chunk.ok());
  REQUIRE(std::holds_alternative<FeedSnapshot>(chunk->body));
  CHECK(std::get<FeedSnapshot>(chunk->body).offset == 4096);
  CHECK(std::get<FeedSnapshot>(chunk->body).index == 77);
  {
    BodyWriter b;
    b.add("offset", 10);
    Result<Request> r = decode_request(request_frame("feed_snapshot", b));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message, Catch::Contains("'index' must name the snapshot read"));
  }
  Result<Request> ops = decode_request(encode_request(Request{4, FeedOps{10, 20}}));
  REQUIRE(ops.ok());
  REQUIRE(std::holds_alternative<FeedOps>(ops->body));
  CHECK(std::get<FeedOps>(ops->body).from == 10);
  CHECK(std::get<FeedOps>(ops->body).to == 20);
}

TEST_CASE("malformed feed_ops requests are refused by field", "[transport][feed]") {
  auto error_of = [](const BodyWriter& body) {
    Result<Request> r = decode_request(request_frame("feed_ops", body));
    REQUIRE_FALSE(r.ok());
    return r.status().message;
  };
  {
    BodyWriter b;
    b.add("to", 3);
    CHECK_THAT(error_of(b), Catch::Contains("'from' is missing"));
  }
  {
    BodyWriter b;
    b.add("from", 0).add("to", 3);
    CHECK_THAT(error_of(b), Catch::Contains("'from' must be at least 1"));
  }
  {
    BodyWriter b;
    b.add("from", 5).add("to", 3);
    CHECK_THAT(error_of(b), Catch::Contains("'to' must not be below from"));
  }
  {
    BodyWriter b;
    b.add("from", "x").add("to", 3);
    CHECK_THAT(error_of(b), Catch::Contains("'from' must be"));
  }
  {
    BodyWriter b;
    b.add("from", 1).add("to", 3).add("extra", 1);
    CHECK_THAT(error_of(b), Catch::Contains("extra"));
  }
}

TEST_CASE("feed replies survive a round trip", "[transport][feed]") {
  FeedSnapshotReply snapshot{9, 2, 0, 7, std::string("\x00\x01state", 7)};
  FeedSnapshotReply snapshot_out;
  REQUIRE(decode_body(encode_body(snapshot), snapshot_out).ok());
  CHECK(snapshot_out.index == 9);
  CHECK(snapshot_out.term == 2);
  CHECK(snapshot_out.snapshot == snapshot.snapshot);
  FeedOpsReply ops{{"a", std::string("b\0", 2)}};
  FeedOpsReply ops_out;
  REQUIRE(decode_body(encode_body(ops), ops_out).ok());
  CHECK(ops_out.frames == ops.frames);
}

TEST_CASE("feed replies refuse missing and mistyped fields by name", "[transport][feed]") {
  FeedSnapshotReply snapshot;
  {
    BodyWriter b;
    b.add("index", 1);
    Status s = decode_body(b.finish(), snapshot);
    CHECK_THAT(s.message, Catch::Contains("'snapshot' is missing"));
  }
  {
    // A hostile node cannot make a subscriber collect without end, nor send
    // more than the total it named.
    BodyWriter b;
    b.add("index", 1).add("total", protocol::kMaxFeedSnapshotBytes + 1).add_bytes("snapshot", "x");
    CHECK_THAT(decode_body(b.finish(), snapshot).message, Catch::Contains("'total'"));
  }
  {
    BodyWriter b;
    b.add("index", 1).add("offset", 3).add("total", 4).add_bytes("snapshot", "xy");
    CHECK_THAT(decode_body(b.finish(), snapshot).message, Catch::Contains("runs past the total"));
  }
  {
    BodyWriter b;
    b.add("index", 1).add("offset", 2).add("total", 4).add_bytes("snapshot", "");
    CHECK_THAT(decode_body(b.finish(), snapshot).message, Catch::Contains("empty before the end"));
  }
  {
    // A node without chunks: the whole encoding, no total.
    BodyWriter b;
    b.add("index", 1).add_bytes("snapshot", "abc");
    REQUIRE(decode_body(b.finish(), snapshot).ok());
    CHECK(snapshot.total == 3);
  }
  FeedOpsReply ops;
  {
    BodyWriter b;
    b.key("frames").pack_array(1);
    b.append_packed(std::string("\x05", 1));
    Status s = decode_body(b.finish(), ops);
    CHECK_THAT(s.message, Catch::Contains("frames[0]"));
  }
  CHECK_FALSE(decode_body("\xc1", ops).ok());
}
