// desaster-top against a three-node cluster in network namespaces: when the
// leader it watches dies, it moves to another node, says so in its header
// and shows the new leader. Before that, its workers pane shows a job
// running on a node other than the one it watches.
#include <catch2/catch.hpp>

#include "tests/cluster/harness/cluster_catch.hpp"
#include "tests/integration/harness/tmux.hpp"

namespace desaster::test {

TEST_CASE("desaster-top moves to another node when the leader it watches dies", "[cluster][top]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes = start_cluster(net, dir);
  const bool formed = wait_until([&] { return all_voters(nodes) && leader_of(nodes) >= 0; },
                                 std::chrono::seconds(40));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  const int leader = leader_of(nodes);
  const int watcher = (leader + 1) % 3;  // top runs in a follower's namespace
  const std::string endpoint = net.address(leader) + ":" + std::to_string(kClusterPort);
  const std::string top =
      "ip netns exec " + net.ns(watcher) + " " + DESASTER_TOP_BIN + " -c " + endpoint;
  Tmux t(top + "; echo top-exit-$?; sleep 600", 120, 30);
  t.text("1");  // the nodes pane
  REQUIRE_SCREEN(
      t, t.wait_for("leader " + node_id_of(*nodes[leader]).substr(0, 8), std::chrono::seconds(10)));
  REQUIRE_SCREEN(t, t.wait_for("Nodes (3)"));

  // A job pinned to the third node: top asks that node's "resources" too,
  // so the workers pane lists it with its node.
  const int third = (leader + 2) % 3;
  const std::string third_id = node_id_of(*nodes[third]);
  CommandResult sleeper =
      ctl(net, watcher, leader, {"enqueue", "--pin-node", third_id, "--", "sleep", "120"});
  REQUIRE(sleeper.exit_status == 0);
  const std::string sleeper_id = trim(sleeper.out).substr(0, 16);
  t.text("3");
  REQUIRE_SCREEN(t, t.wait_screen(
                        [&](const std::string& s) {
                          std::size_t at = s.find(sleeper_id);
                          if (at == std::string::npos) return false;
                          const std::size_t begin = s.rfind('\n', at) + 1;
                          return s.substr(begin, at - begin).find(third_id.substr(0, 8)) !=
                                 std::string::npos;
                        },
                        std::chrono::seconds(20)));
  t.text("1");

  nodes[leader]->kill9();
  REQUIRE_SCREEN(t, t.wait_for("node tcp://" + endpoint + " lost", std::chrono::seconds(20)));
  // The others may not answer at once (an election is under way): top
  // says "no node answers, retrying" until one does.
  REQUIRE_SCREEN(t, t.wait_for("now on tcp://10.77.0.", std::chrono::seconds(20)));
  int next = -1;
  REQUIRE(wait_until(
      [&] {
        next = leader_of(nodes);
        return next >= 0 && next != leader;
      },
      std::chrono::seconds(20)));
  REQUIRE_SCREEN(
      t, t.wait_for("leader " + node_id_of(*nodes[next]).substr(0, 8), std::chrono::seconds(20)));
  t.text("q");
  REQUIRE_SCREEN(t, t.wait_for("top-exit-0"));
}

}  // namespace desaster::test
