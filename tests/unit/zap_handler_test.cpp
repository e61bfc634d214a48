// CURVE with the group's keys and the ZAP handler on a real libuv loop with
// real ZeroMQ sockets on loopback: the group's clients and nodes talk; a
// client of another group, a client with a key of its own and a plain (NULL)
// client get nothing through, and each refusal is reported.
#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <uv.h>
#include <zmq.hpp>

#include "tests/unit/uv_test_loop.hpp"
#include "transport/loop/zmq_watcher.hpp"
#include "transport/security/curve_socket.hpp"
#include "transport/security/handshake_monitor.hpp"
#include "transport/security/zap_handler.hpp"

using namespace desaster;
using namespace std::chrono_literals;
using desaster::transport_test::TestLoop;

namespace {

const GroupKeys& keys_for(const char* key) {
  Result<const GroupKeys*> keys = group_keys(key);
  REQUIRE(keys.ok());
  return **keys;
}

std::vector<zmq::message_t> frames_of(std::initializer_list<std::string> texts) {
  std::vector<zmq::message_t> parts;
  for (const std::string& text : texts) parts.emplace_back(text.data(), text.size());
  return parts;
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

// A CURVE ROUTER of the group, with its ZAP handler and handshake monitor,
// that answers "pong" to everything and remembers who sent what.
struct GuardedServer {
  GuardedServer(TestLoop& loop, zmq::context_t& context, const GroupKeys& keys)
      : zap(loop.get(), context, keys,
            [this](const ZapRefusal& refusal) { zap_refusals.push_back(refusal); }),
        router(context, zmq::socket_type::router),
        monitor(loop.get(), context, router, [this](const HandshakeFailure& failure) {
          handshake_failures.push_back(failure);
        }) {
    REQUIRE(zap.start().ok());
    router.set(zmq::sockopt::linger, 0);
    router.set(zmq::sockopt::router_mandatory, 1);
    REQUIRE(make_curve_server(router, keys).ok());
    REQUIRE(monitor.start().ok());
    router.bind("tcp://127.0.0.1:*");
    endpoint = router.get(zmq::sockopt::last_endpoint);
    watcher.emplace(loop.get(), router, [this](std::vector<zmq::message_t>& parts) {
      CHECK(parts.size() == 2);
      if (parts.size() != 2) return;
      received.push_back(parts[1].to_string());
      const char* user_id = zmq_msg_gets(parts[1].handle(), "User-Id");
      user_ids.push_back(user_id ? user_id : "");
      std::vector<zmq::message_t> reply;
      reply.push_back(std::move(parts[0]));
      reply.emplace_back("pong", 4);
      watcher->send(std::move(reply));
    });
  }

  // Counters are read here: a closed handler reports none.
  void close(int& closed) {
    zap_accepted = zap.accepted();
    zap_refused = zap.refused();
    monitor.close([&closed] { ++closed; });
    watcher->close([&closed] { ++closed; });
    zap.close([&closed] { ++closed; });
  }

  ZapHandler zap;
  zmq::socket_t router;
  HandshakeMonitor monitor;
  std::optional<ZmqWatcher> watcher;
  std::string endpoint;
  std::vector<std::string> received;
  std::vector<std::string> user_ids;
  std::vector<ZapRefusal> zap_refusals;
  std::vector<HandshakeFailure> handshake_failures;
  std::uint64_t zap_accepted = 0;
  std::uint64_t zap_refused = 0;
};

// A DEALER that says "ping" and collects what comes back.
struct Client {
  explicit Client(zmq::context_t& context) : dealer(context, zmq::socket_type::dealer) {
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::reconnect_ivl, 20);
  }
  void connect_and_ping(TestLoop& loop, const std::string& endpoint) {
    dealer.connect(endpoint);
    watcher.emplace(loop.get(), dealer, [this](std::vector<zmq::message_t>& parts) {
      for (auto& part : parts) replies.push_back(part.to_string());
    });
    watcher->send(frames_of({"ping"}));
  }
  void close(int& closed) {
    watcher->close([&closed] { ++closed; });
  }

  zmq::socket_t dealer;
  std::optional<ZmqWatcher> watcher;
  std::vector<std::string> replies;
};

void finish(TestLoop& loop, GuardedServer& server, Client& client) {
  int closed = 0;
  server.close(closed);
  client.close(closed);
  CHECK(loop.finish() == 0);
  CHECK(closed == 4);
}

}  // namespace

TEST_CASE("a client with the group key talks to a ROUTER guarded by the ZAP handler",
          "[security][zap][curve]") {
  TestLoop loop;
  zmq::context_t context;
  const GroupKeys& keys = keys_for("zap handler group");
  GuardedServer server(loop, context, keys);
  Client client(context);
  REQUIRE(make_curve_client(client.dealer, keys, CurveIdentity::client).ok());
  client.connect_and_ping(loop, server.endpoint);

  const bool met = run_until(
      loop, [&] { return !client.replies.empty(); }, 5s);
  finish(loop, server, client);
  REQUIRE(met);
  CHECK(client.replies == std::vector<std::string>{"pong"});
  CHECK(server.received == std::vector<std::string>{"ping"});
  CHECK(server.user_ids == std::vector<std::string>{"client"});
  CHECK(server.zap_accepted == 1);
  CHECK(server.zap_refused == 0);
  CHECK(server.zap_refusals.empty());
  CHECK(server.handshake_failures.empty());
}

TEST_CASE("a node's DEALER presenting the server keypair is accepted as a node",
          "[security][zap][curve]") {
  TestLoop loop;
  zmq::context_t context;
  const GroupKeys& keys = keys_for("zap handler group");
  GuardedServer server(loop, context, keys);
  Client node(context);
  REQUIRE(make_curve_client(node.dealer, keys, CurveIdentity::node).ok());
  node.connect_and_ping(loop, server.endpoint);

  const bool met = run_until(
      loop, [&] { return !node.replies.empty(); }, 5s);
  finish(loop, server, node);
  REQUIRE(met);
  CHECK(server.user_ids == std::vector<std::string>{"node"});
  CHECK(server.zap_accepted == 1);
}

TEST_CASE("a client of another group gets nothing through and is reported",
          "[security][zap][curve]") {
  TestLoop loop;
  zmq::context_t context;
  GuardedServer server(loop, context, keys_for("zap handler group"));
  Client stranger(context);
  REQUIRE(
      make_curve_client(stranger.dealer, keys_for("zap other group"), CurveIdentity::client).ok());
  stranger.connect_and_ping(loop, server.endpoint);

  const bool met = run_until(
      loop, [&] { return !server.handshake_failures.empty(); }, 5s);
  finish(loop, server, stranger);
  REQUIRE(met);
  // The refused connection is closed: nothing sent on it can arrive later.
  CHECK(server.handshake_failures[0].reason.find("another group key") != std::string::npos);
  CHECK(server.handshake_failures[0].endpoint == server.endpoint);
  CHECK(server.received.empty());
  CHECK(stranger.replies.empty());
  CHECK(server.zap_accepted == 0);
}

TEST_CASE("a client that knows the server key but has a key of its own is refused by ZAP",
          "[security][zap][curve]") {
  TestLoop loop;
  zmq::context_t context;
  const GroupKeys& keys = keys_for("zap handler group");
  GuardedServer server(loop, context, keys);
  Client impostor(context);
  char public_key[41] = {};
  char secret_key[41] = {};
  REQUIRE(zmq_curve_keypair(public_key, secret_key) == 0);
  impostor.dealer.set(zmq::sockopt::curve_serverkey, keys.server.public_z85);
  impostor.dealer.set(zmq::sockopt::curve_publickey, std::string(public_key));
  impostor.dealer.set(zmq::sockopt::curve_secretkey, std::string(secret_key));
  impostor.connect_and_ping(loop, server.endpoint);

  const bool met = run_until(
      loop, [&] { return !server.zap_refusals.empty(); }, 5s);
  finish(loop, server, impostor);
  REQUIRE(met);
  CHECK(server.zap_refusals[0].address == "127.0.0.1");
  CHECK(server.zap_refusals[0].mechanism == "CURVE");
  CHECK(server.zap_refusals[0].reason.find(public_key) != std::string::npos);
  CHECK(server.received.empty());
  CHECK(impostor.replies.empty());
  CHECK(server.zap_accepted == 0);
}

TEST_CASE("a plain client without CURVE is refused at the handshake and reported",
          "[security][zap][curve]") {
  TestLoop loop;
  zmq::context_t context;
  GuardedServer server(loop, context, keys_for("zap handler group"));
  Client plain(context);
  plain.connect_and_ping(loop, server.endpoint);

  const bool met = run_until(
      loop, [&] { return !server.handshake_failures.empty(); }, 5s);
  finish(loop, server, plain);
  REQUIRE(met);
  CHECK(server.handshake_failures[0].reason.find("no CURVE") != std::string::npos);
  CHECK(server.received.empty());
  CHECK(plain.replies.empty());
  CHECK(server.zap_accepted + server.zap_refused == 0);
}

TEST_CASE("a second ZAP handler in the same context does not start", "[security][zap]") {
  TestLoop loop;
  zmq::context_t context;
  const GroupKeys& keys = keys_for("zap handler group");
  ZapHandler first(loop.get(), context, keys, nullptr);
  REQUIRE(first.start().ok());
  ZapHandler second(loop.get(), context, keys, nullptr);
  Status status = second.start();
  REQUIRE_FALSE(status.ok());
  CHECK(status.message.find("inproc://zeromq.zap.01") != std::string::npos);
  int closed = 0;
  first.close([&closed] { ++closed; });
  second.close([&closed] { ++closed; });
  CHECK(loop.finish() == 0);
  CHECK(closed == 2);
}

TEST_CASE("this libzmq has CURVE", "[security][curve]") {
  CHECK(zmq_has("curve") == 1);
}
