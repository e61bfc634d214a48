// The state feed in a cluster: every node publishes what it applies, so a
// subscriber attached to a follower sees the ops written through the leader,
// each index once and in order.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "tests/cluster/harness/netns.hpp"

namespace desaster::test {

namespace {

using Nodes = std::vector<std::unique_ptr<NodeProcess>>;
using std::chrono::seconds;

bool has(const NodeProcess& node, const std::string& text) {
  return node.log().find(text) != std::string::npos;
}

int leader_of(const Nodes& nodes) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string log = nodes[i]->log();
    const auto led = log.rfind("raft: leader (");
    if (led == std::string::npos) continue;
    const auto followed = log.rfind("raft: follower (");
    if (followed == std::string::npos || followed < led) return static_cast<int>(i);
  }
  return -1;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("a state feed subscriber on a follower sees the ops enqueued through the leader",
          "[cluster][feed]") {
  const std::string unavailable = network_namespaces_unavailable();
  INFO(unavailable);
  REQUIRE(unavailable.empty());
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < net.size(); ++i) {
    std::vector<std::string> args{"-a", net.address(i), "-b", TestNetwork::broadcast(),
                                  "-p", "2691",         "-j", "2"};
    nodes.push_back(std::make_unique<NodeProcess>(dir.path() + "/n" + std::to_string(i), 2691,
                                                  NodeLaunch{net.exec_prefix(i), args}));
    REQUIRE(nodes.back()->start());
  }
  REQUIRE(wait_until(
      [&] {
        for (const auto& node : nodes)
          if (!has(*node, "raft: this node is now a voter")) return false;
        return true;
      },
      seconds(20)));
  const int leader = leader_of(nodes);
  REQUIRE(leader >= 0);
  const int follower = (leader + 1) % 3;

  // desasterctl watch on the follower, its output in a file we can read
  // while it runs; it stops by itself.
  const std::string out = dir.path() + "/watch.txt";
  std::thread watcher([&] {
    net.run_in(follower,
               {"sh", "-c",
                "exec timeout 20 " + std::string(DESASTERCTL_BIN) + " -c " + net.address(follower) +
                    ":2691 watch > " + out},
               seconds(30));
  });
  const bool attached = wait_until(
      [&] { return read_file(out).find("# snapshot at index") != std::string::npos; }, seconds(10));
  std::vector<std::string> ids;
  if (attached) {
    for (int i = 0; i < 10; ++i) {
      CommandResult r = net.run_in(
          leader, {DESASTERCTL_BIN, "-c", net.address(leader) + ":2691", "enqueue", "--", "true"});
      if (r.exit_status == 0) ids.push_back(trim(r.out));
    }
  }
  const bool seen_all = wait_until(
      [&] {
        const std::string text = read_file(out);
        for (const std::string& id : ids)
          if (text.find("job " + id) == std::string::npos) return false;
        return true;
      },
      seconds(10));
  watcher.join();
  const std::string text = read_file(out);
  INFO(text);
  REQUIRE(attached);
  REQUIRE(ids.size() == 10);
  CHECK(seen_all);
  // Every index after the snapshot once, in order.
  std::istringstream lines(text);
  std::string line;
  std::uint64_t last = 0;
  bool ordered = true;
  std::size_t ops = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::uint64_t index = std::stoull(line);
    if (last != 0 && index <= last) ordered = false;
    last = index;
    ++ops;
  }
  CHECK(ordered);
  CHECK(ops >= 30);  // each job: enqueue, lease, complete
}

}  // namespace desaster::test
