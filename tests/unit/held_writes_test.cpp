#include <catch2/catch.hpp>

#include <string>

#include "core/node/held_writes.hpp"

namespace desaster {

namespace {

Peer client(const std::string& id) {
  return Peer{nullptr, id, {}, {}, nullptr};
}

}  // namespace

TEST_CASE("held writes come back in arrival order, and only those past their patience expire",
          "[held_writes]") {
  HeldWrites held(2000);
  REQUIRE(held.hold(client("a"), "one", 1000));
  REQUIRE(held.hold(client("b"), "two", 1500));
  REQUIRE(held.hold(client("c"), "three", 2500));

  CHECK(held.take_expired(2999).empty());
  auto expired = held.take_expired(3600);
  REQUIRE(expired.size() == 2);
  CHECK(expired[0].frame == "one");
  CHECK(expired[1].client.routing_id == "b");

  auto rest = held.take_all();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].frame == "three");
  CHECK(held.empty());
}

TEST_CASE("a hold of no patience holds nothing, and a full hold refuses", "[held_writes]") {
  HeldWrites none(0);
  CHECK_FALSE(none.hold(client("a"), "x", 0));

  HeldWrites held(1000);
  for (std::size_t i = 0; i < HeldWrites::kMaxWrites; ++i) REQUIRE(held.hold(client("a"), "x", 0));
  CHECK_FALSE(held.hold(client("a"), "x", 0));
  held.take_all();
  CHECK(held.hold(client("a"), "x", 0));

  HeldWrites by_bytes(1000);
  const std::string big(HeldWrites::kMaxBytes / 2, 'b');
  REQUIRE(by_bytes.hold(client("a"), big, 0));
  REQUIRE(by_bytes.hold(client("a"), big, 0));
  CHECK_FALSE(by_bytes.hold(client("a"), "one byte more", 0));
  by_bytes.take_expired(1000);
  CHECK(by_bytes.hold(client("a"), big, 1000));
}

}  // namespace desaster
