// CURVE on the node's sockets: the group key decides who gets in, and a
// client with another key is told so instead of waiting for a timeout.
#include <chrono>

#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;
using std::chrono::steady_clock;

namespace {

Result<std::unique_ptr<Client>> connect_with_key(const NodeProcess& node, std::string key) {
  ClientOptions options;
  options.endpoint = node.endpoint();
  options.timeout = std::chrono::seconds(20);
  options.group_key = std::move(key);
  return Client::connect(options);
}

CommandResult ctl(const NodeProcess& node, std::vector<std::string> args,
                  std::vector<std::string> prefix = {}) {
  std::vector<std::string> argv = std::move(prefix);
  argv.insert(argv.end(), {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(node.port())});
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

}  // namespace

TEST_CASE("a client with another group key is refused at once, told why, and logged",
          "[integration][security]") {
  RunningNode n;
  const auto started = steady_clock::now();
  auto stranger = connect_with_key(n.node, "another group");
  const auto took = steady_clock::now() - started;
  REQUIRE_FALSE(stranger.ok());
  INFO(stranger.status().message);
  CHECK(stranger.status().code == ErrorCode::unavailable);
  CHECK(stranger.status().message.find("refused this client") != std::string::npos);
  CHECK(stranger.status().message.find("group key") != std::string::npos);
  // Well before the 20 s timeout: two refused handshakes, one reconnect apart.
  CHECK(took < std::chrono::seconds(5));
  CHECK(wait_until([&] { return n.node.log().find("refused ") != std::string::npos; },
                   std::chrono::seconds(10)));
  // The node goes on serving the clients of its group.
  CHECK(n.client->queues().ok());
}

TEST_CASE("a node started with -k serves the clients, tools and workers of that key only",
          "[integration][security]") {
  TempDir dir;
  NodeProcess node(dir.path() + "/data", free_port_triplet(), {"-k", "s3cret"});
  REQUIRE(node.start());

  auto client = connect_with_key(node, "s3cret");
  INFO(client.status().message);
  REQUIRE(client.ok());
  // The node's own shell pool connects with the node's key: the job runs.
  auto done = (*client)->submit_and_wait({shell_job("echo keyed")}, std::chrono::seconds(30));
  REQUIRE(done.ok());
  REQUIRE(done->jobs.size() == 1);
  REQUIRE(done->jobs[0]);
  CHECK(done->jobs[0]->state == JobState::succeeded);
  CHECK(done->jobs[0]->output_tail == "keyed\n");

  CHECK(ctl(node, {"-k", "s3cret", "queues"}).exit_status == 0);
  CHECK(ctl(node, {"queues"}, {"env", "DESASTER_KEY=s3cret"}).exit_status == 0);
  CommandResult keyless = ctl(node, {"queues"}, {"env", "-u", "DESASTER_KEY"});
  CHECK(keyless.exit_status == 3);
  CHECK(keyless.err.find("group key") != std::string::npos);
}
