// Zero-config discovery with real nodes in their own network namespaces:
// beacons on a real (private) broadcast domain, a standalone node that
// stays silent, and a node of another group that nobody takes as a peer.
#include <catch2/catch.hpp>

#include <fstream>
#include <memory>

#include "tests/cluster/harness/netns.hpp"

namespace desaster::test {

namespace {

std::string node_id_of(const NodeProcess& node) {
  std::ifstream in(node.data_dir() + "/NODE_ID");
  std::string id;
  in >> id;
  return id;
}

// A node in net's namespace `i`, clustered unless extra says -s.
std::unique_ptr<NodeProcess> clustered_node(const TestNetwork& net, const TempDir& dir, int i,
                                            std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"-a", net.address(i), "-b", TestNetwork::broadcast(), "-p", "2691"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<NodeProcess>(dir.path() + "/n" + std::to_string(i), 2691,
                                       NodeLaunch{net.exec_prefix(i), std::move(args)});
}

bool found(const NodeProcess& observer, const NodeProcess& peer) {
  return observer.log().find("peer " + node_id_of(peer).substr(0, 8) + " found at ") !=
         std::string::npos;
}

void require_network() {
  const std::string unavailable = network_namespaces_unavailable();
  INFO(unavailable);
  REQUIRE(unavailable.empty());
}

}  // namespace

TEST_CASE("clustered nodes find each other by beacon and see a leaving node go",
          "[cluster][discovery]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  std::vector<std::unique_ptr<NodeProcess>> nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(clustered_node(net, dir, i));
    INFO(nodes.back()->log());
    REQUIRE(nodes.back()->start());
  }
  const auto started = std::chrono::steady_clock::now();
  for (auto& observer : nodes) {
    for (auto& peer : nodes) {
      if (observer == peer) continue;
      INFO(observer->log());
      CHECK(wait_until([&] { return found(*observer, *peer); }, std::chrono::seconds(10)));
    }
  }
  WARN("every node was in every peer table "
       << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                started)
              .count()
       << " ms after the last start");
  for (auto& node : nodes) CHECK_FALSE(found(*node, *node));  // its own beacons are ignored

  // desasterctl nodes lists the node asked and the two peers it found.
  CommandResult listed = net.run_in(0, {DESASTERCTL_BIN, "-c", net.address(0) + ":2691", "nodes"});
  INFO(listed.out << listed.err);
  REQUIRE(listed.exit_status == 0);
  CHECK_THAT(listed.out, Catch::Contains(node_id_of(*nodes[0]).substr(0, 8) + "*"));
  for (int i = 1; i < 3; ++i) {
    CHECK_THAT(listed.out, Catch::Contains(node_id_of(*nodes[i]).substr(0, 8) + " "));
    CHECK_THAT(listed.out, Catch::Contains(net.address(i) + ":2693"));
  }
  // (Their role is "discovered" until the cluster adds them as learners,
  // which may already have happened: raft_cluster_test.cpp checks roles.)
  CHECK_THAT(listed.out, Catch::Contains("(clustered;"));

  // A node that shuts down says goodbye (port 0): the others drop it at once.
  const std::string leaving = node_id_of(*nodes[2]).substr(0, 8);
  CHECK(nodes[2]->terminate() == 0);
  for (int i = 0; i < 2; ++i) {
    INFO(nodes[i]->log());
    CHECK(wait_until(
        [&] {
          return nodes[i]->log().find("peer " + leaving + " left (said goodbye)") !=
                 std::string::npos;
        },
        std::chrono::seconds(10)));
  }
}

TEST_CASE("a standalone node sends no beacons and a node of another group is not a peer",
          "[cluster][discovery]") {
  require_network();
  TestNetwork net(4);
  TempDir dir;
  auto standalone = clustered_node(net, dir, 0, {"-s"});
  auto stranger = clustered_node(net, dir, 1, {"-k", "another group"});
  auto a = clustered_node(net, dir, 2);
  auto b = clustered_node(net, dir, 3);
  for (NodeProcess* node : {standalone.get(), stranger.get(), a.get(), b.get()}) {
    INFO(node->log());
    REQUIRE(node->start());
  }
  // A standalone node has no beacon socket at all.
  CommandResult sockets = net.run_in(0, {"ss", "-uan"});
  REQUIRE(sockets.exit_status == 0);
  CHECK(sockets.out.find(":2691") == std::string::npos);

  REQUIRE(wait_until([&] { return found(*a, *b) && found(*b, *a); }, std::chrono::seconds(10)));
  // The stranger beacons as often as b does; by the time a and b heard each
  // other twice over, its beacons have reached them too, and were dropped.
  REQUIRE(wait_until(
      [&] {
        return a->log().find("beacons dropped") != std::string::npos &&
               b->log().find("beacons dropped") != std::string::npos;
      },
      std::chrono::seconds(10)));
  CHECK_FALSE(found(*a, *stranger));
  CHECK_FALSE(found(*b, *stranger));
  CHECK_FALSE(found(*a, *standalone));
  CHECK_FALSE(found(*stranger, *a));
  CHECK_THAT(a->log(), Catch::Contains("bad MAC"));
}

}  // namespace desaster::test
