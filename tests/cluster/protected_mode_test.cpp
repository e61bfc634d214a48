// Protected mode (issue 14): a node with the public default key serves
// clients on its own machine and refuses those of other machines with an
// error that says how to set a key; the refusals are logged, not per request.
#include <catch2/catch.hpp>

#include "tests/cluster/harness/cluster_catch.hpp"

namespace desaster::test {

TEST_CASE("a default-key node refuses a client from another machine and serves loopback",
          "[cluster][security][hostile]") {
  require_network();
  TestNetwork net(2);
  TempDir dir;
  // Node 1 listens on every address of its namespace, with the default key.
  NodeProcess node(
      dir.path() + "/n1", 2691,
      NodeLaunch{net.exec_prefix(1), {"-s", "-a", "0.0.0.0", "-p", "2691", "-k", "default"}});
  INFO(node.log());
  REQUIRE(node.start());
  CHECK(node.log().find("protected mode") != std::string::npos);

  // From node 0's namespace, over the bridge: refused, told how to fix it.
  CommandResult remote = net.run_in(0, {DESASTERCTL_BIN, "-k", "default", "-c",
                                        net.address(1) + ":2691", "--timeout", "5s", "stats"});
  INFO(remote.err);
  CHECK(remote.exit_status == 3);
  CHECK(remote.err.find("protected mode") != std::string::npos);
  CHECK(remote.err.find("-k KEY or DESASTER_KEY") != std::string::npos);
  CommandResult again = net.run_in(0, {DESASTERCTL_BIN, "-k", "default", "-c",
                                       net.address(1) + ":2691", "--timeout", "5s", "queues"});
  CHECK(again.exit_status == 3);

  // On the node's own machine, over loopback: served.
  CommandResult local = net.run_in(
      1, {DESASTERCTL_BIN, "-k", "default", "-c", "127.0.0.1:2691", "--timeout", "5s", "stats"});
  INFO(local.err);
  CHECK(local.exit_status == 0);

  // Logged once (then at most once a minute), not once per request.
  REQUIRE(
      wait_until([&] { return node.log().find("protected mode: a client") != std::string::npos; },
                 std::chrono::seconds(10)));
  const std::string log = node.log();
  std::size_t lines = 0;
  for (std::size_t at = log.find("protected mode: a client"); at != std::string::npos;
       at = log.find("protected mode: a client", at + 1))
    ++lines;
  CHECK(lines == 1);
  CHECK(node.terminate() == 0);
}

TEST_CASE("a node with a key of its own serves clients from other machines",
          "[cluster][security][hostile]") {
  require_network();
  TestNetwork net(2);
  TempDir dir;
  NodeProcess node(
      dir.path() + "/n1", 2691,
      NodeLaunch{net.exec_prefix(1), {"-s", "-a", net.address(1), "-p", "2691", "-k", "our own"}});
  INFO(node.log());
  REQUIRE(node.start());
  CommandResult remote = net.run_in(0, {DESASTERCTL_BIN, "-k", "our own", "-c",
                                        net.address(1) + ":2691", "--timeout", "5s", "stats"});
  INFO(remote.err);
  CHECK(remote.exit_status == 0);
  CHECK(node.log().find("protected mode") == std::string::npos);
  CHECK(node.terminate() == 0);
}

}  // namespace desaster::test
