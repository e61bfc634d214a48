// FeedSnapshotCache: chunks of one encoding per read, the two newest kept,
// idle ones forgotten.
#include <catch2/catch.hpp>

#include "core/node/feed_snapshot_cache.hpp"

using namespace desaster;

namespace {
struct Encoder {
  int calls = 0;
  std::string bytes;
  FeedSnapshotCache::Encode fn() {
    return [this] {
      ++calls;
      return bytes;
    };
  }
};

protocol::FeedSnapshot at(std::uint64_t offset, std::uint64_t index) {
  return protocol::FeedSnapshot{offset, index};
}
}  // namespace

TEST_CASE("a snapshot read goes chunk by chunk through one encoding", "[feed]") {
  FeedSnapshotCache cache(4);
  Encoder e{0, "abcdefghij"};
  auto first = cache.read({}, {7, 2}, e.fn());
  REQUIRE(first.ok());
  CHECK(first->index == 7);
  CHECK(first->term == 2);
  CHECK(first->total == 10);
  CHECK(first->snapshot == "abcd");
  // The State moved on: the reader still gets the encoding it started.
  e.bytes = "changed";
  auto second = cache.read(at(4, 7), {8, 2}, e.fn());
  REQUIRE(second.ok());
  CHECK(second->snapshot == "efgh");
  auto last = cache.read(at(8, 7), {8, 2}, e.fn());
  REQUIRE(last.ok());
  CHECK(last->snapshot == "ij");
  CHECK(e.calls == 1);
  CHECK(cache.read(at(10, 7), {8, 2}, e.fn()).status().code == ErrorCode::bad_request);
}

TEST_CASE("readers at one position share an encoding, and two positions are kept", "[feed]") {
  FeedSnapshotCache cache(4);
  Encoder e{0, "0123456789"};
  REQUIRE(cache.read({}, {7, 2}, e.fn()).ok());
  REQUIRE(cache.read({}, {7, 2}, e.fn()).ok());
  CHECK(e.calls == 1);
  e.bytes = "second encoding";
  REQUIRE(cache.read({}, {9, 2}, e.fn()).ok());
  CHECK(e.calls == 2);
  CHECK(cache.read(at(4, 7), {9, 2}, e.fn())->snapshot == "4567");
  e.bytes = "third";
  REQUIRE(cache.read({}, {11, 2}, e.fn()).ok());
  Result<protocol::FeedSnapshotReply> gone = cache.read(at(4, 7), {11, 2}, e.fn());
  CHECK(gone.status().code == ErrorCode::not_found);
  CHECK_THAT(gone.status().message, Catch::Contains("start again from offset 0"));
}

TEST_CASE("an encoding nobody reads is dropped after its idle ticks", "[feed]") {
  FeedSnapshotCache cache(4, 2);
  Encoder e{0, "0123456789"};
  REQUIRE(cache.read({}, {7, 2}, e.fn()).ok());
  CHECK(cache.held_bytes() == 10);
  cache.tick();
  cache.tick();
  REQUIRE(cache.read(at(4, 7), {7, 2}, e.fn()).ok());  // a read keeps it
  cache.tick();
  cache.tick();
  CHECK(cache.held_bytes() == 10);
  cache.tick();
  CHECK(cache.held_bytes() == 0);
  CHECK(cache.read(at(4, 7), {7, 2}, e.fn()).status().code == ErrorCode::not_found);
}
