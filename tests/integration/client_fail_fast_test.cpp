// Clients fail fast and say why (issue 14): nothing listening, the wrong key
// and a node that is up but slow are three different errors, and the first
// two come within a fraction of a second, not after the request timeout.
#include <chrono>
#include <csignal>

#include "tests/integration/harness/fixtures.hpp"
#include "transport/security/group_keys.hpp"
#include "transport/security/key_source.hpp"

using namespace desaster;
using namespace desaster::test;
using std::chrono::steady_clock;

namespace {

// Key derivation (Argon2id) takes a while once per key and process; it is
// not what these tests time.
void derive_keys_of(const std::string& key) {
  REQUIRE(group_keys(resolve_group_key(key)).ok());
}

Result<std::unique_ptr<Client>> connect_to(
    const std::string& endpoint, std::string key = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  ClientOptions options;
  options.endpoint = endpoint;
  options.timeout = timeout;
  options.group_key = std::move(key);
  return Client::connect(options);
}

}  // namespace

TEST_CASE("a client where nothing listens is told so within a second",
          "[integration][client][hostile]") {
  const std::uint16_t port = free_port_triplet();
  derive_keys_of("");
  const auto started = steady_clock::now();
  auto client = connect_to("tcp://127.0.0.1:" + std::to_string(port));
  const auto took = steady_clock::now() - started;
  REQUIRE_FALSE(client.ok());
  INFO(client.status().message);
  CHECK(client.status().code == ErrorCode::unavailable);
  CHECK(client.status().message ==
        "cannot connect to tcp://127.0.0.1:" + std::to_string(port) +
            ": nothing accepts connections there (connection refused); is the node running, "
            "and on this port?");
  CHECK(took < std::chrono::seconds(1));
}

TEST_CASE("desasterctl where nothing listens fails within a second, saying so",
          "[integration][client][hostile]") {
  const std::uint16_t port = free_port_triplet();
  const auto started = steady_clock::now();
  CommandResult stats =
      run_command({DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(port), "stats"});
  const auto took = steady_clock::now() - started;
  INFO(stats.err);
  CHECK(stats.exit_status == 3);
  CHECK(stats.err.find("connection refused") != std::string::npos);
  // A new process derives the key first (Argon2id); about 0.5 s in all here.
  CHECK(took < std::chrono::seconds(2));
}

TEST_CASE("a client with the wrong key is told so within a second, apart from a refused connect",
          "[integration][client][hostile]") {
  RunningNode n;
  derive_keys_of("not the group's key");
  const auto started = steady_clock::now();
  auto client = connect_to(n.node.endpoint(), "not the group's key");
  const auto took = steady_clock::now() - started;
  REQUIRE_FALSE(client.ok());
  INFO(client.status().message);
  CHECK(client.status().message.find("refused this client") != std::string::npos);
  CHECK(client.status().message.find("connection refused") == std::string::npos);
  CHECK(took < std::chrono::seconds(1));
}

TEST_CASE("a node that is up but does not answer is a timeout that says so",
          "[integration][client][hostile]") {
  RunningNode n;
  auto client = connect_to(n.node.endpoint(), {}, std::chrono::milliseconds(1500));
  REQUIRE(client.ok());
  n.node.signal(SIGSTOP);
  auto stats = (*client)->stats_json();
  n.node.signal(SIGCONT);
  REQUIRE_FALSE(stats.ok());
  INFO(stats.status().message);
  CHECK(stats.status().message ==
        "no reply from " + n.node.endpoint() +
            " within 1500 ms: the node accepted the connection but did not answer in time "
            "(busy or stopped?); try again or raise the timeout");
  // Once it runs again it answers.
  CHECK((*client)->stats_json().ok());
}
