// FeedRing: the node's recent feed frames for gap fill.
#include <catch2/catch.hpp>

#include "core/node/feed_ring.hpp"

using namespace desaster;

namespace {
std::string frame(std::uint64_t index, std::size_t size = 10) {
  std::string f = std::to_string(index);
  f.resize(size, '.');
  return f;
}
}  // namespace

TEST_CASE("the feed ring answers a range it holds, in order", "[feed]") {
  FeedRing ring;
  for (std::uint64_t i = 5; i <= 9; ++i) ring.push(i, frame(i));
  auto frames = ring.range(6, 8, 1 << 20);
  REQUIRE(frames);
  CHECK(*frames == std::vector<std::string>{frame(6), frame(7), frame(8)});
  // A range past the last is cut to the last.
  CHECK(ring.range(8, 100, 1 << 20)->size() == 2);
}

TEST_CASE("the feed ring refuses a range older than it keeps or not yet published", "[feed]") {
  FeedRing ring(3);
  for (std::uint64_t i = 1; i <= 5; ++i) ring.push(i, frame(i));
  CHECK(ring.first_index() == 3);
  CHECK(ring.last_index() == 5);
  CHECK_FALSE(ring.range(2, 4, 1 << 20));
  CHECK_FALSE(ring.range(6, 7, 1 << 20));
  CHECK(ring.range(3, 3, 1 << 20));
}

TEST_CASE("the feed ring drops the oldest frames past its byte bound", "[feed]") {
  FeedRing ring(1000, 35);
  for (std::uint64_t i = 1; i <= 10; ++i) ring.push(i, frame(i));
  CHECK(ring.size() == 3);
  CHECK(ring.bytes() <= 35);
  CHECK(ring.first_index() == 8);
}

TEST_CASE("the feed ring answers at most the bytes asked for, and at least one frame", "[feed]") {
  FeedRing ring;
  for (std::uint64_t i = 1; i <= 10; ++i) ring.push(i, frame(i));
  CHECK(ring.range(1, 10, 25)->size() == 2);
  CHECK(ring.range(1, 10, 1)->size() == 1);
}

TEST_CASE("a frame that does not follow the last one starts the feed ring afresh", "[feed]") {
  FeedRing ring;
  for (std::uint64_t i = 1; i <= 4; ++i) ring.push(i, frame(i));
  ring.push(100, frame(100));
  CHECK(ring.first_index() == 100);
  CHECK(ring.size() == 1);
  CHECK_FALSE(ring.range(3, 4, 1 << 20));
}
