// BeaconEndpoint on a real libuv loop, broadcasting on loopback only
// (127.255.255.255 from 127.0.0.1, a free port): nodes find each other, say
// goodbye, go silent, ignore themselves, and drop what is not a beacon of
// their group, counted by reason.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <vector>

#include "tests/unit/uv_test_loop.hpp"
#include "transport/beacon/beacon_endpoint.hpp"

using namespace desaster;
using namespace std::chrono_literals;
using desaster::transport_test::TestLoop;

namespace {

constexpr const char* kLoopbackBroadcast = "127.255.255.255";

SymmetricKey key_of(std::uint8_t fill) {
  SymmetricKey key{};
  key.fill(fill);
  return key;
}

NodeIdBytes id_of(std::uint8_t fill) {
  NodeIdBytes id{};
  id.fill(fill);
  return id;
}

BeaconConfig loopback_config(std::uint8_t id, std::uint16_t port, std::uint16_t tcp_port) {
  BeaconConfig config;
  config.bind_address = "127.0.0.1";
  config.broadcast_address = kLoopbackBroadcast;
  config.port = port;
  config.node_id = id_of(id);
  config.tcp_port = tcp_port;
  return config;
}

// Runs the loop until `done` holds (checked every 5 ms) or `limit` passes.
bool run_until(TestLoop& loop, std::function<bool()> done, std::chrono::milliseconds limit) {
  struct Check {
    TestLoop* loop;
    std::function<bool()> done;
    bool met = false;
  } check{&loop, std::move(done)};
  uv_timer_t timer;
  uv_timer_init(loop.get(), &timer);
  timer.data = &check;
  uv_timer_start(
      &timer,
      [](uv_timer_t* t) {
        auto* c = static_cast<Check*>(t->data);
        if (c->done()) {
          c->met = true;
          c->loop->stop();
        }
      },
      5, 5);
  loop.run_for(limit);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  uv_run(loop.get(), UV_RUN_NOWAIT);
  return check.met;
}

// A plain UDP socket that broadcasts whatever a test gives it.
class RawSender {
 public:
  explicit RawSender(std::uint16_t port) : fd_(socket(AF_INET, SOCK_DGRAM, 0)) {
    const int on = 1;
    setsockopt(fd_, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &from.sin_addr);
    bind(fd_, reinterpret_cast<const sockaddr*>(&from), sizeof from);
    to_.sin_family = AF_INET;
    to_.sin_port = htons(port);
    inet_pton(AF_INET, kLoopbackBroadcast, &to_.sin_addr);
  }
  ~RawSender() { ::close(fd_); }
  RawSender(const RawSender&) = delete;
  RawSender& operator=(const RawSender&) = delete;

  void send(const std::vector<std::uint8_t>& bytes) {
    REQUIRE(sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to_),
                   sizeof to_) == static_cast<ssize_t>(bytes.size()));
  }
  void send(const BeaconDatagram& datagram) { send({datagram.begin(), datagram.end()}); }

 private:
  int fd_;
  sockaddr_in to_{};
};

struct EventLog {
  std::vector<PeerEvent> events;
  std::size_t count(PeerEvent::Kind kind) const {
    std::size_t n = 0;
    for (const PeerEvent& e : events) n += e.kind == kind ? 1 : 0;
    return n;
  }
  BeaconEndpoint::PeerHandler handler() {
    return [this](const PeerEvent& event) { events.push_back(event); };
  }
};

void close_all(TestLoop& loop, std::initializer_list<BeaconEndpoint*> endpoints) {
  int closed = 0;
  for (BeaconEndpoint* endpoint : endpoints) endpoint->close([&closed] { ++closed; });
  CHECK(loop.finish() == 0);
  CHECK(closed == static_cast<int>(endpoints.size()));
}

}  // namespace

TEST_CASE("two nodes beaconing on loopback find each other within 2 s", "[beacon][endpoint]") {
  TestLoop loop;
  const SymmetricKey key = key_of(7);
  EventLog seen_by_a;
  EventLog seen_by_b;
  BeaconEndpoint a(loop.get(), loopback_config(1, 0, 4001), key, seen_by_a.handler());
  REQUIRE(a.start().ok());
  REQUIRE(a.port() != 0);
  BeaconEndpoint b(loop.get(), loopback_config(2, a.port(), 4002), key, seen_by_b.handler());
  const std::uint64_t started = uv_now(loop.get());
  REQUIRE(b.start().ok());
  CHECK(b.port() == a.port());

  REQUIRE(run_until(
      loop, [&] { return a.peers().size() == 1 && b.peers().size() == 1; }, 3s));
  uv_update_time(loop.get());
  const std::uint64_t elapsed = uv_now(loop.get()) - started;
  INFO("found each other after " << elapsed << " ms");
  CHECK(elapsed < 2000);
  REQUIRE(seen_by_a.events.size() == 1);
  CHECK(seen_by_a.events[0].kind == PeerEvent::Kind::found);
  CHECK(seen_by_a.events[0].peer.node_id == id_of(2));
  CHECK(seen_by_a.events[0].peer.address == "127.0.0.1");
  CHECK(seen_by_a.events[0].peer.tcp_port == 4002);
  REQUIRE(seen_by_b.events.size() == 1);
  CHECK(seen_by_b.events[0].peer.node_id == id_of(1));
  CHECK(seen_by_b.events[0].peer.tcp_port == 4001);
  close_all(loop, {&a, &b});
}

TEST_CASE("a node that knows no peer says hello and is answered at once, not at the next interval",
          "[beacon][endpoint]") {
  TestLoop loop;
  const SymmetricKey key = key_of(7);
  auto every_ten_seconds = [] { return std::uint64_t{10'000}; };
  BeaconConfig config_a = loopback_config(1, 0, 4001);
  config_a.next_interval_ms = every_ten_seconds;
  BeaconEndpoint a(loop.get(), config_a, key, nullptr);
  REQUIRE(a.start().ok());
  // a's first beacon went before b listened; its next one is 10 s away.
  BeaconConfig config_b = loopback_config(2, a.port(), 4002);
  config_b.next_interval_ms = every_ten_seconds;
  BeaconEndpoint b(loop.get(), config_b, key, nullptr);
  REQUIRE(b.start().ok());

  REQUIRE(run_until(
      loop, [&] { return b.peers().size() == 1 && a.peers().size() == 1; }, 2s));
  CHECK(a.stats().sent == 2);  // the first, and the answer to b's hello
  close_all(loop, {&a, &b});
}

TEST_CASE("a node that closes says goodbye and its peers drop it at once", "[beacon][endpoint]") {
  TestLoop loop;
  const SymmetricKey key = key_of(7);
  EventLog seen_by_a;
  BeaconConfig config_a = loopback_config(1, 0, 4001);
  config_a.next_interval_ms = [] { return std::uint64_t{50}; };
  BeaconEndpoint a(loop.get(), config_a, key, seen_by_a.handler());
  REQUIRE(a.start().ok());
  BeaconConfig config_b = loopback_config(2, a.port(), 4002);
  config_b.next_interval_ms = [] { return std::uint64_t{50}; };
  BeaconEndpoint b(loop.get(), config_b, key, nullptr);
  REQUIRE(b.start().ok());
  REQUIRE(run_until(
      loop, [&] { return a.peers().size() == 1; }, 3s));

  b.close(nullptr);
  REQUIRE(run_until(
      loop, [&] { return seen_by_a.count(PeerEvent::Kind::left) == 1; }, 3s));
  CHECK(seen_by_a.events.back().reason == PeerLeft::said_goodbye);
  CHECK(a.peers().size() == 0);
  close_all(loop, {&a});
}

TEST_CASE("a peer silent for longer than the timeout is reported gone", "[beacon][endpoint]") {
  TestLoop loop;
  const SymmetricKey key = key_of(7);
  EventLog seen;
  std::uint64_t left_at = 0;
  BeaconConfig config = loopback_config(1, 0, 4001);
  config.silence_timeout_ms = 300;
  BeaconEndpoint a(loop.get(), config, key, [&](const PeerEvent& event) {
    seen.events.push_back(event);
    if (event.kind == PeerEvent::Kind::left) left_at = uv_now(loop.get());
  });
  REQUIRE(a.start().ok());

  RawSender once(a.port());
  Beacon beacon;
  beacon.node_id = id_of(9);
  beacon.tcp_port = 4009;
  once.send(encode_beacon(beacon, key));
  REQUIRE(run_until(
      loop, [&] { return seen.count(PeerEvent::Kind::left) == 1; }, 3s));
  REQUIRE(seen.events.size() == 2);
  CHECK(seen.events[0].kind == PeerEvent::Kind::found);
  CHECK(seen.events[1].reason == PeerLeft::went_silent);
  CHECK(left_at - seen.events[0].peer.last_seen_ms > 300);
  close_all(loop, {&a});
}

TEST_CASE("garbage, another group's beacons and wrong sizes are dropped and counted",
          "[beacon][endpoint]") {
  TestLoop loop;
  const SymmetricKey key = key_of(7);
  EventLog seen;
  BeaconEndpoint a(loop.get(), loopback_config(1, 0, 4001), key, seen.handler());
  REQUIRE(a.start().ok());

  Beacon stranger;
  stranger.node_id = id_of(9);
  stranger.tcp_port = 4009;
  RawSender sender(a.port());
  sender.send(std::vector<std::uint8_t>(40, 'x'));
  sender.send(encode_beacon(stranger, key_of(8)));
  BeaconDatagram good = encode_beacon(stranger, key);
  sender.send(std::vector<std::uint8_t>(good.begin(), good.end() - 1));
  sender.send(std::vector<std::uint8_t>(1000, 'D'));  // longer than the receive buffer
  sender.send(std::vector<std::uint8_t>{});

  REQUIRE(run_until(
      loop, [&] { return a.drops().total() == 5; }, 3s));
  CHECK(a.drops().of(BeaconFault::bad_magic) == 1);
  CHECK(a.drops().of(BeaconFault::bad_mac) == 1);
  CHECK(a.drops().of(BeaconFault::bad_size) == 3);
  CHECK(a.stats().received == 0);
  CHECK(a.peers().size() == 0);
  CHECK(seen.events.empty());
  close_all(loop, {&a});
}

TEST_CASE("a node hears its own beacons and ignores them", "[beacon][endpoint]") {
  TestLoop loop;
  BeaconEndpoint a(loop.get(), loopback_config(1, 0, 4001), key_of(7), nullptr);
  REQUIRE(a.start().ok());
  REQUIRE(run_until(
      loop, [&] { return a.stats().own >= 1; }, 3s));
  CHECK(a.stats().sent >= 1);
  CHECK(a.peers().size() == 0);
  close_all(loop, {&a});
}

TEST_CASE("a broadcast address that is not IPv4 is refused with its text", "[beacon][endpoint]") {
  TestLoop loop;
  BeaconConfig config = loopback_config(1, 0, 4001);
  config.broadcast_address = "not-an-address";
  BeaconEndpoint a(loop.get(), config, key_of(7), nullptr);
  Status status = a.start();
  REQUIRE_FALSE(status.ok());
  CHECK(status.message.find("not-an-address") != std::string::npos);
  close_all(loop, {&a});
}

TEST_CASE("advertising TCP port 0 is refused, since 0 means leaving", "[beacon][endpoint]") {
  TestLoop loop;
  BeaconEndpoint a(loop.get(), loopback_config(1, 0, 0), key_of(7), nullptr);
  Status status = a.start();
  REQUIRE_FALSE(status.ok());
  CHECK(status.message.find("must not be 0") != std::string::npos);
  close_all(loop, {&a});
}
