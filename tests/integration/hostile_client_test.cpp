// Hostile clients against a real node (issue 14): connections that never
// authenticate but announce a gigabyte cost a bounded buffer while an
// authenticated client keeps being served; a request of two frames is
// answered; invalid UTF-8 is refused with a reply a strict decoder reads; a
// forged log line stays on its own line.
//
// The CI version holds 20 connections for 3 s. DESASTER_SOAK_SECONDS=30 (and
// DESASTER_SOAK_CONNECTIONS=100) runs the full version, as does
// contrib/soak/unauthenticated-streaming.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <msgpack.hpp>
#include <zmq.hpp>

#include "core/codec/text.hpp"
#include "tests/integration/harness/fixtures.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/security/curve_socket.hpp"
#include "transport/security/key_source.hpp"

using namespace desaster;
using namespace desaster::test;
using std::chrono::steady_clock;

namespace {

long env_number(const char* name, long fallback) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  return std::strtol(text, nullptr, 10);
}

// The node's resident set, from /proc (kB).
long rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// A ZMTP 3.0 greeting that asks for CURVE as a client (RFC 23 / 26).
std::string curve_greeting() {
  std::string g(64, '\0');
  g[0] = static_cast<char>(0xff);
  g[9] = 0x7f;
  g[10] = 3;  // version 3.0
  g[11] = 0;
  const std::string mechanism = "CURVE";
  g.replace(12, mechanism.size(), mechanism);
  return g;
}

// One hostile connection: greets, announces a 1 GiB command frame and streams
// zeros until the node hangs up; then does it again, until stop.
void stream_unauthenticated(std::uint16_t port, const std::atomic<bool>& stop,
                            std::atomic<long>& connections) {
  const std::string greeting = curve_greeting();
  std::string header(9, '\0');
  header[0] = 0x06;  // LONG | COMMAND: the first frame a CURVE client sends
  const std::uint64_t size = 1ull << 30;
  for (int i = 0; i < 8; ++i) header[1 + i] = static_cast<char>(size >> (56 - 8 * i));
  const std::string chunk(64 << 10, '\0');
  while (!stop) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{0, 200'000};  // a blocked send returns, so stop is seen
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      ++connections;
      bool ok = ::send(fd, greeting.data(), greeting.size(), MSG_NOSIGNAL) > 0 &&
                ::send(fd, header.data(), header.size(), MSG_NOSIGNAL) > 0;
      while (ok && !stop) {
        ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
        ok = n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
      }
    }
    ::close(fd);
  }
}

// A DEALER with the group's client keys: what a client library would be,
// minus its care. Sends raw frames, returns the decoded reply.
struct RawClient {
  zmq::context_t context;
  zmq::socket_t socket{context, zmq::socket_type::dealer};

  explicit RawClient(const NodeProcess& node) {
    socket.set(zmq::sockopt::linger, 0);
    auto keys = group_keys(resolve_group_key(""));
    REQUIRE(keys.ok());
    REQUIRE(make_curve_client(socket, **keys, CurveIdentity::client).ok());
    socket.connect(node.endpoint());
  }

  void send(const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      socket.send(zmq::buffer(frames[i]),
                  i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }

  protocol::Reply receive() {
    zmq::pollitem_t item{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0};
    REQUIRE(zmq::poll(&item, 1, std::chrono::milliseconds(10'000)) == 1);
    zmq::message_t message;
    REQUIRE(socket.recv(message));
    Result<protocol::Reply> reply = protocol::decode_reply(message.to_string_view());
    INFO(reply.status().message);
    REQUIRE(reply.ok());
    return *reply;
  }
};

std::string raw_request(std::uint64_t id, std::string_view type, const std::string& body) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(protocol::kProtocolVersion);
  pk.pack(id);
  protocol::BodyWriter::pack_string(pk, type);
  buffer.write(body.data(), body.size());
  return {buffer.data(), buffer.size()};
}

}  // namespace

TEST_CASE("unauthenticated connections announcing a gigabyte cost the node a bounded buffer",
          "[integration][security][hostile]") {
  const long seconds = env_number("DESASTER_SOAK_SECONDS", 3);
  const long streams = env_number("DESASTER_SOAK_CONNECTIONS", 8);
  RunningNode n;
  // Warm up what a served client costs, then take the idle RSS.
  REQUIRE(n.client->enqueue(shell_job("true")).ok());
  const long idle_kb = rss_kb(n.node.pid());
  REQUIRE(idle_kb > 0);

  std::atomic<bool> stop{false};
  std::atomic<long> connections{0};
  std::vector<std::thread> threads;
  for (long i = 0; i < streams; ++i)
    threads.emplace_back(stream_unauthenticated, n.port, std::cref(stop), std::ref(connections));

  long peak_kb = idle_kb;
  long served = 0;
  long failed = 0;
  std::string last_error;
  const auto until = steady_clock::now() + std::chrono::seconds(seconds);
  while (steady_clock::now() < until) {
    auto id = n.client->enqueue(shell_job("true"));
    if (id.ok()) {
      ++served;
    } else {
      ++failed;
      last_error = id.status().message;
    }
    peak_kb = std::max(peak_kb, rss_kb(n.node.pid()));
  }
  stop = true;
  for (std::thread& t : threads) t.join();

  INFO("idle RSS " << idle_kb << " kB, peak " << peak_kb << " kB, " << connections
                   << " hostile connections, " << served << " requests served, " << failed
                   << " failed (" << last_error << ")");
  WARN("unauthenticated streaming: idle RSS "
       << idle_kb << " kB, peak " << peak_kb << " kB (+" << (peak_kb - idle_kb) / 1024 << " MiB), "
       << connections << " connections over " << seconds << " s, " << served << " enqueues served");
  CHECK(connections > streams);  // the node kept hanging up on them
  CHECK(peak_kb - idle_kb < 64 * 1024);
  CHECK(failed == 0);
  CHECK(served > 0);
  // The node is still whole and serving.
  CHECK(n.client->queues().ok());
  // It logged the refused peers, once a minute at most, not a line per connection.
  const std::string log = n.node.log();
  std::size_t lines = 0;
  for (std::size_t at = log.find("closed during the CURVE handshake"); at != std::string::npos;
       at = log.find("closed during the CURVE handshake", at + 1))
    ++lines;
  CHECK(lines >= 1);
  CHECK(lines <= static_cast<std::size_t>(1 + seconds / 60));
}

TEST_CASE("a request of two frames is answered with an error saying one frame per request",
          "[integration][hostile]") {
  RunningNode n;
  RawClient raw(n.node);
  raw.send({raw_request(5, "stats", "\x80"), "extra"});
  protocol::Reply reply = raw.receive();
  CHECK(reply.id == 5);
  CHECK(reply.status.code == ErrorCode::bad_request);
  CHECK(reply.status.message == "a request is one frame; this message had 2 frames");
}

TEST_CASE("invalid UTF-8 is refused with a reply a strict decoder reads, and nothing is stored",
          "[integration][hostile]") {
  RunningNode n;
  RawClient raw(n.node);
  protocol::BodyWriter spec;
  spec.add("queue", "ma\xffil").add("class", "Poison\xc3");
  protocol::BodyWriter body;
  body.key("jobs").pack_array(1);
  body.append_packed(spec.finish());
  raw.send({raw_request(9, "enqueue", body.finish())});
  protocol::Reply reply = raw.receive();
  CHECK(reply.id == 9);
  CHECK(reply.status.code == ErrorCode::bad_request);
  CHECK(reply.status.message ==
        "request body field 'jobs[0].queue' is not valid UTF-8 (at byte 2)");
  CHECK_FALSE(codec::invalid_utf8_at(reply.status.message).has_value());
  auto queues = n.client->queues();
  REQUIRE(queues.ok());
  for (const auto& q : *queues) CHECK(q.name != "ma\xffil");
}

TEST_CASE("a newline a client sends cannot forge a line of the node's log",
          "[integration][hostile]") {
  RunningNode n;
  RawClient raw(n.node);
  raw.send({raw_request(3, "stats\n2026-01-01T00:00:00.000Z error FORGED", "\x80")});
  protocol::Reply reply = raw.receive();
  CHECK(reply.status.code == ErrorCode::bad_request);
  REQUIRE(wait_until([&] { return n.node.log().find("FORGED") != std::string::npos; },
                     std::chrono::seconds(10)));
  const std::string log = n.node.log();
  CHECK(log.find("\n2026-01-01T00:00:00.000Z error FORGED") == std::string::npos);
}
