// ZmqWatcher on a real libuv loop with real ZeroMQ sockets: bursts arrive
// complete and in order through the edge-triggered fd and the batch cap, a
// slow peer's messages wait in the outbox, idle watchers sleep, and closing
// leaves the loop empty.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <thread>

#include <uv.h>
#include <zmq.hpp>

#include "tests/unit/uv_test_loop.hpp"
#include "transport/loop/zmq_watcher.hpp"

using namespace desaster;
using namespace std::chrono_literals;
using desaster::transport_test::IterationCounter;
using desaster::transport_test::iterations_while_idle;
using desaster::transport_test::TestLoop;

namespace {

constexpr std::uint32_t kBurst = 20'000;

std::string endpoint_of(zmq::socket_t& socket) {
  return socket.get(zmq::sockopt::last_endpoint);
}

zmq::message_t number_message(std::uint32_t n) {
  return zmq::message_t(&n, sizeof n);
}

std::uint32_t number_of(const zmq::message_t& message) {
  std::uint32_t n = 0;
  if (message.size() == sizeof n) std::memcpy(&n, message.data(), sizeof n);
  return n;
}

std::vector<zmq::message_t> parts_of(zmq::message_t a) {
  std::vector<zmq::message_t> parts;
  parts.push_back(std::move(a));
  return parts;
}

std::vector<zmq::message_t> parts_of(zmq::message_t a, zmq::message_t b) {
  std::vector<zmq::message_t> parts;
  parts.push_back(std::move(a));
  parts.push_back(std::move(b));
  return parts;
}

zmq::socket_t bound_router(zmq::context_t& context) {
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::router_mandatory, 1);
  router.bind("tcp://127.0.0.1:*");
  return router;
}

// A ROUTER watcher that sends every message straight back to its sender.
ZmqWatcher::Handler echo_to(ZmqWatcher*& watcher, std::uint32_t& echoed) {
  return [&watcher, &echoed](std::vector<zmq::message_t>& parts) {
    CHECK(parts.size() == 2);  // REQUIRE would throw through the loop
    if (parts.size() != 2) return;
    watcher->send(parts_of(std::move(parts[0]), std::move(parts[1])));
    ++echoed;
  };
}

}  // namespace

TEST_CASE("a burst between two watchers arrives complete and in order", "[transport][loop]") {
  TestLoop loop;
  zmq::context_t context;
  zmq::socket_t router = bound_router(context);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(endpoint_of(router));

  std::uint32_t echoed = 0;
  ZmqWatcher* router_watcher = nullptr;
  ZmqWatcher server(loop.get(), router, echo_to(router_watcher, echoed));
  router_watcher = &server;

  std::uint32_t received = 0;
  bool in_order = true;
  ZmqWatcher client(loop.get(), dealer, [&](std::vector<zmq::message_t>& parts) {
    if (parts.size() != 1 || number_of(parts[0]) != received) in_order = false;
    if (++received == kBurst) loop.stop();
  });
  // Whether some of these wait in the outbox depends on how fast libzmq's I/O
  // thread drains the pipe; the slow-peer test below forces that case.
  for (std::uint32_t i = 0; i < kBurst; ++i) client.send(parts_of(number_message(i)));

  REQUIRE(loop.run_for(30s));
  CHECK(received == kBurst);
  CHECK(echoed == kBurst);
  CHECK(in_order);
  CHECK(client.outbox_size() == 0);
  CHECK(server.outbox_size() == 0);
  CHECK(server.dropped() == 0);

  int closed = 0;
  server.close([&] { ++closed; });
  client.close([&] { ++closed; });
  CHECK(loop.finish() == 0);
  CHECK(closed == 2);
}

TEST_CASE("a burst from a thread's DEALER is echoed complete and in order", "[transport][loop]") {
  TestLoop loop;
  zmq::context_t context;
  zmq::socket_t router = bound_router(context);
  const std::string endpoint = endpoint_of(router);

  std::uint32_t echoed = 0;
  ZmqWatcher* router_watcher = nullptr;
  ZmqWatcher server(loop.get(), router, echo_to(router_watcher, echoed));
  router_watcher = &server;

  // The thread tells the loop it is done through an async handle.
  uv_async_t finished;
  finished.data = &loop;
  uv_async_init(loop.get(), &finished,
                [](uv_async_t* a) { static_cast<TestLoop*>(a->data)->stop(); });

  std::uint32_t received = 0;
  bool in_order = true;
  std::thread peer([&] {
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::rcvtimeo, 10'000);
    dealer.connect(endpoint);
    for (std::uint32_t i = 0; i < kBurst; ++i)
      dealer.send(number_message(i), zmq::send_flags::none);
    for (std::uint32_t i = 0; i < kBurst; ++i) {
      zmq::message_t reply;
      if (!dealer.recv(reply)) break;  // timed out: the count below tells
      if (number_of(reply) != i) in_order = false;
      ++received;
    }
    uv_async_send(&finished);
  });

  bool stopped = loop.run_for(60s);
  peer.join();
  CHECK(stopped);
  CHECK(received == kBurst);
  CHECK(in_order);
  CHECK(echoed == kBurst);

  server.close(nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&finished), nullptr);
  CHECK(loop.finish() == 0);
}

TEST_CASE("a backlog is taken at most kMaxBatch messages per wake-up", "[transport][loop]") {
  TestLoop loop;
  zmq::context_t context;
  zmq::socket_t receiver(context, zmq::socket_type::pull);
  receiver.set(zmq::sockopt::rcvhwm, 0);
  receiver.bind("inproc://backlog");
  zmq::socket_t sender(context, zmq::socket_type::push);
  sender.set(zmq::sockopt::sndhwm, 0);
  sender.set(zmq::sockopt::linger, 0);
  sender.connect("inproc://backlog");
  // inproc writes straight into the receiver's pipe: the whole backlog is
  // there before the loop first looks.
  for (std::uint32_t i = 0; i < kBurst; ++i) sender.send(number_message(i), zmq::send_flags::none);

  IterationCounter counter(loop.get());
  std::map<std::uint64_t, int> per_iteration;
  std::uint32_t received = 0;
  bool in_order = true;
  ZmqWatcher watcher(loop.get(), receiver, [&](std::vector<zmq::message_t>& parts) {
    if (number_of(parts.at(0)) != received) in_order = false;
    ++per_iteration[counter.n];
    if (++received == kBurst) loop.stop();
  });
  REQUIRE(loop.run_for(30s));
  CHECK(in_order);
  int most = 0;
  for (const auto& [iteration, n] : per_iteration) most = std::max(most, n);
  // One drain from the poll phase and one from the check phase per turn.
  CHECK(most <= 2 * ZmqWatcher::kMaxBatch);
  CHECK(per_iteration.size() >= kBurst / (2 * ZmqWatcher::kMaxBatch));

  watcher.close(nullptr);
  counter.close();
  CHECK(loop.finish() == 0);
}

TEST_CASE("messages sent to a slow peer wait in the outbox and go out in order",
          "[transport][loop]") {
  TestLoop loop;
  zmq::context_t context;
  zmq::socket_t fast(context, zmq::socket_type::dealer);
  fast.set(zmq::sockopt::sndhwm, 4);
  fast.set(zmq::sockopt::linger, 0);
  fast.bind("inproc://slow");
  zmq::socket_t slow(context, zmq::socket_type::dealer);
  slow.set(zmq::sockopt::rcvhwm, 4);
  slow.set(zmq::sockopt::linger, 0);
  slow.connect("inproc://slow");

  ZmqWatcher watcher(loop.get(), fast, [](std::vector<zmq::message_t>&) {});
  constexpr std::uint32_t kCount = 60;
  for (std::uint32_t i = 0; i < kCount; ++i) watcher.send(parts_of(number_message(i)));
  CHECK(watcher.outbox_size() > 0);
  CHECK(watcher.outbox_size() < kCount);

  // The slow peer takes three messages every few milliseconds.
  struct Reader {
    zmq::socket_t* socket;
    TestLoop* loop;
    std::uint32_t received = 0;
    bool in_order = true;
  } reader{&slow, &loop};
  uv_timer_t tick;
  uv_timer_init(loop.get(), &tick);
  tick.data = &reader;
  uv_timer_start(
      &tick,
      [](uv_timer_t* t) {
        auto* r = static_cast<Reader*>(t->data);
        for (int i = 0; i < 3; ++i) {
          zmq::message_t message;
          if (!r->socket->recv(message, zmq::recv_flags::dontwait)) return;
          if (number_of(message) != r->received) r->in_order = false;
          if (++r->received == kCount) r->loop->stop();
        }
      },
      2, 2);

  REQUIRE(loop.run_for(10s));
  CHECK(reader.received == kCount);
  CHECK(reader.in_order);
  CHECK(watcher.outbox_size() == 0);

  watcher.close(nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
  CHECK(loop.finish() == 0);
}

TEST_CASE("a message for a peer that is gone is dropped and counted", "[transport][loop]") {
  TestLoop loop;
  zmq::context_t context;
  zmq::socket_t router = bound_router(context);
  ZmqWatcher watcher(loop.get(), router, [](std::vector<zmq::message_t>&) {});
  watcher.send(parts_of(zmq::message_t(std::string("nobody")), zmq::message_t(std::string("hi"))));
  CHECK(watcher.dropped() == 1);
  CHECK(watcher.outbox_size() == 0);
  watcher.close(nullptr);
  CHECK(loop.finish() == 0);
}

TEST_CASE("messages queued before the watcher started are delivered", "[transport][loop]") {
  TestLoop loop;
  zmq::context_t context;
  zmq::socket_t receiver(context, zmq::socket_type::pull);
  receiver.bind("inproc://early");
  zmq::socket_t sender(context, zmq::socket_type::push);
  sender.set(zmq::sockopt::linger, 0);
  sender.connect("inproc://early");
  for (std::uint32_t i = 0; i < 3; ++i) sender.send(number_message(i), zmq::send_flags::none);
  // Read ZMQ_EVENTS once, as other code might, so the fd's edge is spent.
  CHECK((receiver.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0);

  std::uint32_t received = 0;
  ZmqWatcher watcher(loop.get(), receiver, [&](std::vector<zmq::message_t>&) {
    if (++received == 3) loop.stop();
  });
  REQUIRE(loop.run_for(5s));
  CHECK(received == 3);
  watcher.close(nullptr);
  CHECK(loop.finish() == 0);
}

TEST_CASE("a message that arrives while the watcher sends is still delivered",
          "[transport][loop]") {
  TestLoop loop;
  zmq::context_t context;
  zmq::socket_t near(context, zmq::socket_type::dealer);
  near.set(zmq::sockopt::linger, 0);
  near.bind("inproc://crossing");
  zmq::socket_t far(context, zmq::socket_type::dealer);
  far.set(zmq::sockopt::linger, 0);
  far.connect("inproc://crossing");

  std::uint32_t received = 0;
  ZmqWatcher watcher(loop.get(), near, [&](std::vector<zmq::message_t>&) {
    ++received;
    loop.stop();
  });
  CHECK(iterations_while_idle(loop, 20ms) > 0);  // the watcher settles and sleeps

  // The far side's message signals the fd; the watcher's own send then
  // lets libzmq consume that signal, so only reading ZMQ_EVENTS after the
  // send can notice the message.
  struct Crossing {
    zmq::socket_t* far;
    ZmqWatcher* watcher;
  } crossing{&far, &watcher};
  uv_timer_t timer;
  uv_timer_init(loop.get(), &timer);
  timer.data = &crossing;
  uv_timer_start(
      &timer,
      [](uv_timer_t* t) {
        auto* c = static_cast<Crossing*>(t->data);
        c->far->send(number_message(1), zmq::send_flags::none);
        c->watcher->send(parts_of(number_message(2)));
      },
      5, 0);
  CHECK(loop.run_for(2s));
  CHECK(received == 1);

  watcher.close(nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  CHECK(loop.finish() == 0);
}

TEST_CASE("closing from inside the handler stops delivery at once", "[transport][loop]") {
  TestLoop loop;
  zmq::context_t context;
  zmq::socket_t receiver(context, zmq::socket_type::pull);
  receiver.bind("inproc://close-early");
  zmq::socket_t sender(context, zmq::socket_type::push);
  sender.set(zmq::sockopt::linger, 0);
  sender.connect("inproc://close-early");
  for (std::uint32_t i = 0; i < 10; ++i) sender.send(number_message(i), zmq::send_flags::none);

  std::uint32_t received = 0;
  bool done = false;
  ZmqWatcher* self = nullptr;
  ZmqWatcher watcher(loop.get(), receiver, [&](std::vector<zmq::message_t>&) {
    ++received;
    self->close([&] { done = true; });
  });
  self = &watcher;
  CHECK(loop.finish() == 0);  // returns only once the watcher's handles are gone
  CHECK(received == 1);
  CHECK(done);
}

TEST_CASE("an idle watcher lets the loop sleep", "[transport][loop]") {
  TestLoop loop;
  zmq::context_t context;
  zmq::socket_t router = bound_router(context);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(endpoint_of(router));

  std::uint32_t echoed = 0;
  ZmqWatcher* router_watcher = nullptr;
  ZmqWatcher server(loop.get(), router, echo_to(router_watcher, echoed));
  router_watcher = &server;
  std::uint32_t received = 0;
  ZmqWatcher client(loop.get(), dealer, [&](std::vector<zmq::message_t>&) {
    if (++received == 1000) loop.stop();
  });

  SECTION("before any traffic") {
    CHECK(iterations_while_idle(loop, 200ms) < 20);
  }
  SECTION("after a burst") {
    for (std::uint32_t i = 0; i < 1000; ++i) client.send(parts_of(number_message(i)));
    REQUIRE(loop.run_for(10s));
    CHECK(iterations_while_idle(loop, 200ms) < 20);
  }

  server.close(nullptr);
  client.close(nullptr);
  CHECK(loop.finish() == 0);
}

TEST_CASE("destroying a watcher without close still frees its handles", "[transport][loop]") {
  TestLoop loop;
  zmq::context_t context;
  zmq::socket_t router = bound_router(context);
  {
    ZmqWatcher watcher(loop.get(), router, [](std::vector<zmq::message_t>&) {});
  }
  CHECK(loop.finish() == 0);
}
