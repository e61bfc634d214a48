// A bridge partition (issue 19): A-B-C where A and C cannot hear each other
// but B hears both, so A and C each see a majority (themselves and B). With
// the leader as A, C stops hearing it and would campaign; B still hears the
// leader and refuses C's pre-votes (check-quorum), so the cluster keeps one
// leader, keeps acknowledging through B, and C's workers serve again once
// the cut heals.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/cluster/harness/cluster_jobs.hpp"

namespace desaster::test {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// The terms each node says it won, from its log ("won the election in term N").
std::map<std::uint64_t, std::set<int>> winners_by_term(const Nodes& nodes) {
  std::map<std::uint64_t, std::set<int>> winners;
  const std::regex won("won the election in term ([0-9]+)");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string log = nodes[i]->log();
    for (auto m = std::sregex_iterator(log.begin(), log.end(), won); m != std::sregex_iterator();
         ++m)
      winners[std::stoull((*m)[1])].insert(static_cast<int>(i));
  }
  return winners;
}

}  // namespace

TEST_CASE(
    "a bridge partition keeps one leader that acknowledges and the cut-off node serves "
    "again after the heal",
    "[cluster][faults]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  int leader = -1;
  Nodes nodes = jobs::formed_cluster(net, dir, leader);
  const int far = (leader + 1) % 3;     // cut off from the leader only
  const int bridge = (leader + 2) % 3;  // hears both
  const std::string far_id = node_id_of(*nodes[far]);
  const std::size_t terms_before = winners_by_term(nodes).size();

  net.cut(leader, far);
  // Several election timeouts (1-2 s each) and past the worker timeout
  // (5 s): the fault is this long; the client enqueues through the bridge
  // all along, a job every quarter second.
  std::set<std::string> during;
  std::size_t refused = 0;
  const auto until = Clock::now() + seconds(8);
  while (Clock::now() < until) {
    CommandResult r = ctl(net, bridge, bridge, {"enqueue", "--sh", "--", "sleep 0.2"}, "2s");
    if (r.exit_status == 0 && !trim(r.out).empty()) {
      during.insert(trim(r.out));
    } else {
      ++refused;
    }
    std::this_thread::sleep_for(milliseconds(250));
  }
  const std::vector<int> leaders_during = leaders_of(nodes);
  const std::map<std::uint64_t, std::set<int>> winners_during = winners_by_term(nodes);
  net.heal();

  INFO("refused during the cut: " << refused << " of " << during.size() + refused);
  // The leader kept leading in its term: the far node's campaigns found no
  // majority (the bridge heard the leader) and raised no term.
  CHECK(leaders_during == std::vector<int>{leader});
  CHECK(winners_during.size() == terms_before);
  CHECK(refused == 0);
  // The cut was real: the leader stopped hearing the far node's workers.
  CHECK(has(*nodes[leader], "lost (silent for"));
  for (const auto& [term, who] : winners_during) {
    INFO("term " << term);
    CHECK(who.size() == 1);
  }

  // After the heal, the far node's workers (dropped by the leader as
  // silent) register again and take jobs.
  std::set<std::string> after;
  for (int i = 0; i < 18; ++i) after.insert(jobs::enqueue(net, bridge, "sleep 1"));
  REQUIRE(after.count("") == 0);
  std::set<std::string> all = during;
  all.insert(after.begin(), after.end());
  std::vector<jobs::JobRow> rows;
  const bool done = wait_until(
      [&] {
        const int now = leader_of(nodes);
        if (now < 0) return false;
        rows = jobs::list(net, now);
        return jobs::count_state(rows, all, "succeeded") == all.size();
      },
      seconds(60));
  if (!done) dump_logs(nodes);
  REQUIRE(done);
  std::map<std::string, int> after_by_node;
  for (const jobs::JobRow& j : rows)
    if (after.count(j.id)) ++after_by_node[j.node];
  for (const auto& node : nodes) {
    INFO(node->log());
    CHECK(after_by_node[node_id_of(*node)] > 0);
  }
  for (int i = 0; i < 3; ++i) {
    const bool same = wait_until(
        [&] { return jobs::count_state(jobs::list(net, i), all, "succeeded") == all.size(); },
        seconds(20));
    INFO("node " << i);
    CHECK(same);
  }
}

}  // namespace desaster::test
