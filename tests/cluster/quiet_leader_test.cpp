// No spurious election: the election timeout is short (300-600 ms, so a
// kill -9 of the leader costs well under a second), and a healthy cluster
// must not mistake a busy moment for a dead leader. Three nodes stay idle
// for a while, then take enqueue load with their pools running the jobs;
// throughout, no node asks for a pre-vote, campaigns or sees a new term,
// and the leader stays the leader. The durations are the fault under test
// (time passing), not synchronisation. ctest runs 10 s of each;
// contrib/soak/quiet-leader runs them longer beside busy CPUs.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/model/shell_command.hpp"
#include "tests/cluster/harness/cluster_jobs.hpp"
#include "tests/cluster/harness/namespace_thread.hpp"
#include "transport/client/client.hpp"

namespace desaster::test {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::uint64_t env_seconds(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::strtoull(text, nullptr, 10);
}

// Lines of a node's log after `from` that show an election starting or a
// term changing (pre-candidate lines are logged at -v).
std::vector<std::string> election_lines(const std::string& log, std::size_t from) {
  static const char* const kSigns[] = {"raft: pre-candidate (", "raft: candidate (",
                                       "raft: leader (won",     "(saw term",
                                       "stepped down",          "no leader known in term"};
  std::vector<std::string> lines;
  std::size_t at = from;
  while (at < log.size()) {
    std::size_t end = log.find('\n', at);
    if (end == std::string::npos) end = log.size();
    const std::string line = log.substr(at, end - at);
    for (const char* sign : kSigns)
      if (line.find(sign) != std::string::npos) {
        lines.push_back(line);
        break;
      }
    at = end + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("an idle and then loaded three-node cluster keeps its leader and term",
          "[cluster][leader]") {
  require_network();
  const std::uint64_t idle_s = env_seconds("DESASTER_QUIET_IDLE_SECONDS", 10);
  const std::uint64_t load_s = env_seconds("DESASTER_QUIET_LOAD_SECONDS", 10);
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(clustered_node(net, dir.path(), i, {"-j", "2", "-v"}));
    INFO(nodes.back()->log());
    REQUIRE(nodes.back()->start());
  }
  int leader = -1;
  const bool formed = wait_until(
      [&] {
        leader = leader_of(nodes);
        return leader >= 0 && all_voters(nodes) && jobs::all_workers_registered(nodes, leader);
      },
      seconds(30));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  std::vector<std::size_t> mark;
  for (const auto& node : nodes) mark.push_back(node->log().size());

  std::this_thread::sleep_for(seconds(idle_s));
  const int leader_after_idle = leader_of(nodes);

  // Load: a client per node on a thread in its namespace, enqueuing one job
  // per request as fast as they are acknowledged; the pools run them.
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> acknowledged{0};
  std::atomic<std::size_t> refused{0};
  {
    std::vector<std::unique_ptr<NamespaceThread>> clients;
    for (int i = 0; i < 3; ++i) {
      clients.push_back(std::make_unique<NamespaceThread>(net, i, [&, i] {
        ClientOptions options;
        options.endpoint = "tcp://" + net.address(i) + ":" + std::to_string(kClusterPort);
        options.timeout = seconds(2);
        options.name = "quiet-leader-test";
        Result<std::unique_ptr<Client>> client = Client::connect(options);
        if (!client.ok()) {
          ++refused;
          return;
        }
        ShellCommand command;
        command.sh = "true";
        protocol::JobSpec spec;
        spec.payload = encode_shell_command(command);
        while (!stop) {
          if ((*client)->enqueue(spec).ok()) {
            ++acknowledged;
          } else {
            ++refused;
          }
        }
      }));
    }
    std::this_thread::sleep_for(seconds(load_s));
    stop = true;
  }  // joined

  INFO("acknowledged " << acknowledged << ", refused " << refused << " during the load");
  CHECK(acknowledged > 0);
  CHECK(refused == 0);
  CHECK(leader_after_idle == leader);
  CHECK(leader_of(nodes) == leader);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::vector<std::string> lines = election_lines(nodes[i]->log(), mark[i]);
    std::string shown;
    for (const std::string& line : lines) shown += line + "\n";
    INFO("node " << i << ":\n" << shown);
    CHECK(lines.empty());
  }
}

}  // namespace desaster::test
