// The desaster binary as a user meets it: --help, bad flags, a second node
// on the same data dir or port, an idle node that sleeps, bad requests.
#include <msgpack.hpp>
#include <zmq.hpp>

#include "tests/integration/harness/fixtures.hpp"
#include "transport/security/curve_socket.hpp"
#include "transport/security/key_source.hpp"

using namespace desaster;
using namespace desaster::test;

TEST_CASE("desaster --help prints the seed's usage block", "[integration][cli]") {
  CommandResult r = run_command({DESASTER_BIN, "--help"});
  CHECK(r.exit_status == 0);
  CHECK(r.out.rfind("desaster, Job Queueing Manager, version ", 0) == 0);
  CHECK(
      r.out.find(" usage: desaster [-a BIND_ADDR] [-b BROADCAST_ADDR] [-p PORT] [-k GROUP_KEY]") !=
      std::string::npos);
  CHECK(r.out.find(" -s, --standalone               do not broadcast for peering with cluster") !=
        std::string::npos);
}

TEST_CASE("desaster refuses a bad flag on stderr with exit status 2", "[integration][cli]") {
  CommandResult r = run_command({DESASTER_BIN, "--port", "99999"});
  CHECK(r.exit_status == 2);
  CHECK(r.err.find("--port: '99999' is not a port number") != std::string::npos);
}

TEST_CASE("a second node on the same data dir refuses to start", "[integration][cli]") {
  RunningNode n;
  NodeProcess second(n.node.data_dir(), free_port_triplet());
  second.spawn();
  CHECK(second.wait_exit() == 1);
  CHECK(second.log().find("is in use by another desaster (pid " + std::to_string(n.node.pid()) +
                          ")") != std::string::npos);
}

TEST_CASE("a second node on the same port refuses to start", "[integration][cli]") {
  RunningNode n;
  TempDir other;
  NodeProcess second(other.path() + "/data", n.port);
  second.spawn();
  CHECK(second.wait_exit() == 1);
  CHECK(second.log().find("port " + std::to_string(n.port) + " on 127.0.0.1 is in use") !=
        std::string::npos);
}

TEST_CASE("an idle node uses almost no CPU", "[integration][cli]") {
  RunningNode n;
  // Let start-up work settle: the first LeaderStartOp is applied when the
  // node answers a request.
  REQUIRE(n.client->stats_json().ok());
  auto before = n.node.cpu_time();
  auto wall = std::chrono::steady_clock::now();
  // An idle period, measured: this sleep is the thing under test, not a wait
  // for an event.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto used = n.node.cpu_time() - before;
  auto elapsed = std::chrono::steady_clock::now() - wall;
  INFO("cpu " << used.count() << " ms over "
              << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms");
  CHECK(used.count() <= 60);  // 3 % of 2 s; a busy loop would use ~2000
}

TEST_CASE("malformed requests get a clear error and the node keeps its data",
          "[integration][cli]") {
  RunningNode n;
  auto id = n.client->enqueue(shell_job("true"));
  REQUIRE(id.ok());

  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::rcvtimeo, 10'000);
  auto keys = group_keys(kDefaultGroupKey);
  REQUIRE(keys.ok());
  REQUIRE(make_curve_client(socket, **keys, CurveIdentity::client).ok());
  socket.connect(n.node.endpoint());
  auto ask = [&](const std::string& frame) {
    socket.send(zmq::buffer(frame), zmq::send_flags::none);
    zmq::message_t reply;
    REQUIRE(socket.recv(reply));
    auto decoded = protocol::decode_reply(reply.to_string_view());
    REQUIRE(decoded.ok());
    return decoded->status;
  };
  // Not msgpack at all.
  Status s = ask("\xc1\xc1 garbage");
  CHECK(s.code == ErrorCode::bad_request);
  // A well-formed envelope with a version from the future.
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(99);
  pk.pack(7);
  pk.pack("hello");
  pk.pack_map(0);
  s = ask(std::string(buffer.data(), buffer.size()));
  CHECK(s.code == ErrorCode::bad_request);
  CHECK(s.message.find("version") != std::string::npos);
  // An unknown request type.
  buffer.clear();
  pk.pack_array(4);
  pk.pack(protocol::kProtocolVersion);
  pk.pack(8);
  pk.pack("frobnicate");
  pk.pack_map(0);
  s = ask(std::string(buffer.data(), buffer.size()));
  CHECK(s.message.find("frobnicate") != std::string::npos);
  // An enqueue whose jobs field has the wrong type.
  buffer.clear();
  pk.pack_array(4);
  pk.pack(protocol::kProtocolVersion);
  pk.pack(9);
  pk.pack("enqueue");
  pk.pack_map(1);
  pk.pack("jobs");
  pk.pack("not an array");
  s = ask(std::string(buffer.data(), buffer.size()));
  CHECK(s.code == ErrorCode::bad_request);
  CHECK(s.message.find("jobs") != std::string::npos);

  // Still up, data intact.
  CHECK(n.wait_final(*id).state == JobState::succeeded);
}
