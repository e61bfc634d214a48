// The test network itself: nodes in their namespaces reach each other over
// the bridge, a partition cuts exactly the links it names, and heal() joins
// them again. The several-node tests rely on all three.
#include <catch2/catch.hpp>

#include "tests/cluster/harness/netns.hpp"

namespace desaster::test {

namespace {

// Whether a client in `from`'s namespace gets the stats of the node in
// `node`'s namespace.
bool reachable(TestNetwork& net, int node, int from) {
  CommandResult stats = net.run_in(
      from, {DESASTERCTL_BIN, "-c", net.address(node) + ":2691", "--timeout", "1s", "stats"});
  return stats.exit_status == 0;
}

}  // namespace

TEST_CASE("namespaces of a test network reach each other until a partition cuts them",
          "[cluster]") {
  const std::string unavailable = network_namespaces_unavailable();
  INFO(unavailable);
  REQUIRE(unavailable.empty());
  TestNetwork net(3);
  TempDir dir;
  NodeProcess node(dir.path() + "/n2", 2691,
                   NodeLaunch{net.exec_prefix(2), {"-s", "-a", net.address(2), "-p", "2691"}});
  INFO(node.log());
  REQUIRE(node.start());

  CHECK(reachable(net, 2, 0));
  CHECK(reachable(net, 2, 1));
  // The root namespace is not on the bridge.
  CommandResult from_root =
      run_command({DESASTERCTL_BIN, "-c", net.address(2) + ":2691", "--timeout", "1s", "stats"});
  CHECK(from_root.exit_status == 3);

  net.partition({2});
  CHECK_FALSE(reachable(net, 2, 0));
  net.heal();
  CHECK(reachable(net, 2, 0));
  CHECK(node.terminate() == 0);
}

}  // namespace desaster::test
