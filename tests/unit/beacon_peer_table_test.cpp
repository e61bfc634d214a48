// The peer table with a fake clock: found once, quiet while a peer keeps
// beaconing, left on goodbye, silence, or a move (then found again).
#include <catch2/catch.hpp>

#include "transport/beacon/peer_table.hpp"

using namespace desaster;

namespace {
constexpr std::uint64_t kSilenceMs = 5000;

Beacon beacon_of(std::uint8_t id, std::uint16_t port) {
  Beacon beacon;
  beacon.node_id.fill(id);
  beacon.tcp_port = port;
  return beacon;
}
}  // namespace

TEST_CASE("a new peer is found once and then only refreshed", "[beacon][peers]") {
  PeerTable table(kSilenceMs);
  std::vector<PeerEvent> events = table.observe(beacon_of(1, 2693), "10.0.0.1", 100);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == PeerEvent::Kind::found);
  CHECK(events[0].peer.address == "10.0.0.1");
  CHECK(events[0].peer.tcp_port == 2693);
  CHECK(table.observe(beacon_of(1, 2693), "10.0.0.1", 1100).empty());
  REQUIRE(table.size() == 1);
  CHECK(table.peers().begin()->second.last_seen_ms == 1100);
}

TEST_CASE("a goodbye beacon removes a known peer", "[beacon][peers]") {
  PeerTable table(kSilenceMs);
  table.observe(beacon_of(1, 2693), "10.0.0.1", 100);
  std::vector<PeerEvent> events = table.observe(beacon_of(1, 0), "10.0.0.1", 200);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == PeerEvent::Kind::left);
  CHECK(events[0].reason == PeerLeft::said_goodbye);
  CHECK(table.size() == 0);
}

TEST_CASE("a goodbye from an unknown node changes nothing", "[beacon][peers]") {
  PeerTable table(kSilenceMs);
  CHECK(table.observe(beacon_of(1, 0), "10.0.0.1", 100).empty());
  CHECK(table.size() == 0);
}

TEST_CASE("a peer silent for longer than the timeout leaves", "[beacon][peers]") {
  PeerTable table(kSilenceMs);
  table.observe(beacon_of(1, 2693), "10.0.0.1", 1000);
  table.observe(beacon_of(2, 2693), "10.0.0.2", 3000);
  REQUIRE(table.next_deadline() == 1000 + kSilenceMs + 1);
  CHECK(table.expire(1000 + kSilenceMs).empty());  // exactly the timeout is not yet silence
  std::vector<PeerEvent> events = table.expire(1000 + kSilenceMs + 1);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == PeerEvent::Kind::left);
  CHECK(events[0].reason == PeerLeft::went_silent);
  CHECK(events[0].peer.node_id == beacon_of(1, 0).node_id);
  CHECK(table.size() == 1);
  CHECK(table.next_deadline() == 3000 + kSilenceMs + 1);
}

TEST_CASE("a peer that moved leaves its old place and is found at the new one", "[beacon][peers]") {
  PeerTable table(kSilenceMs);
  table.observe(beacon_of(1, 2693), "10.0.0.1", 100);
  std::vector<PeerEvent> events = table.observe(beacon_of(1, 2793), "10.0.0.1", 200);
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == PeerEvent::Kind::left);
  CHECK(events[0].reason == PeerLeft::moved);
  CHECK(events[0].peer.tcp_port == 2693);
  CHECK(events[1].kind == PeerEvent::Kind::found);
  CHECK(events[1].peer.tcp_port == 2793);

  events = table.observe(beacon_of(1, 2793), "10.0.0.9", 300);
  REQUIRE(events.size() == 2);
  CHECK(events[1].peer.address == "10.0.0.9");
  CHECK(table.size() == 1);
}

TEST_CASE("a beacon stamped after the caller's clock reading does not expire early",
          "[beacon][peers]") {
  PeerTable table(kSilenceMs);
  table.observe(beacon_of(1, 2693), "10.0.0.1", 2000);
  CHECK(table.expire(1000).empty());
  CHECK(table.size() == 1);
}

TEST_CASE("an empty table has no deadline", "[beacon][peers]") {
  PeerTable table(kSilenceMs);
  CHECK_FALSE(table.next_deadline().has_value());
}
