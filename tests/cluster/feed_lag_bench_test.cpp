// Not a test: the follower half of contrib/bench/feed_lag, hidden from the
// suite ([.]). Forms a 3-node cluster in namespaces and runs feed_lag_bench
// in the leader's namespace, writing to the leader and subscribing to a
// follower. Run by hand:
//   build/tests/cluster_tests "[feed-lag]" -s
#include <catch2/catch.hpp>

#include <memory>

#include "tests/cluster/harness/netns.hpp"

namespace desaster::test {

TEST_CASE("feed lag on a follower of a 3-node cluster", "[.][feed-lag]") {
  const std::string unavailable = network_namespaces_unavailable();
  INFO(unavailable);
  REQUIRE(unavailable.empty());
  TestNetwork net(3);
  TempDir dir;
  std::vector<std::unique_ptr<NodeProcess>> nodes;
  for (int i = 0; i < net.size(); ++i) {
    std::vector<std::string> args{"-a", net.address(i), "-b", TestNetwork::broadcast(),
                                  "-p", "2691",         "-j", "1"};
    nodes.push_back(std::make_unique<NodeProcess>(dir.path() + "/n" + std::to_string(i), 2691,
                                                  NodeLaunch{net.exec_prefix(i), args}));
    REQUIRE(nodes.back()->start());
  }
  int leader = -1;
  REQUIRE(wait_until(
      [&] {
        int voters = 0;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
          const std::string log = nodes[i]->log();
          voters += log.find("raft: this node is now a voter") != std::string::npos;
          const auto led = log.rfind("raft: leader (");
          const auto followed = log.rfind("raft: follower (");
          if (led != std::string::npos && (followed == std::string::npos || followed < led))
            leader = static_cast<int>(i);
        }
        return voters == 3 && leader >= 0;
      },
      std::chrono::seconds(20)));
  const int follower = (leader + 1) % 3;
  std::string bench = DESASTER_BIN;
  bench = bench.substr(0, bench.rfind('/')) + "/contrib/bench/feed_lag_bench";
  const char* jobs = std::getenv("FEED_LAG_JOBS");
  CommandResult r =
      net.run_in(leader,
                 {bench, "tcp://" + net.address(leader) + ":2691",
                  "tcp://" + net.address(follower) + ":2691", jobs ? jobs : "5000", "4"},
                 std::chrono::seconds(300));
  std::printf("%s%s", r.out.c_str(), r.err.c_str());
  CHECK(r.exit_status == 0);
}

}  // namespace desaster::test
