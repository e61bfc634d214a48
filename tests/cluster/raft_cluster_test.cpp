// Raft across real nodes, each in its own network namespace: three fresh
// nodes form one cluster of three voters, an acknowledged enqueue is on
// every node, and kill -9 of the leader under load loses no acknowledged
// job; a killed follower does not stop the cluster.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "tests/cluster/harness/cluster_catch.hpp"

namespace desaster::test {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

}  // namespace

TEST_CASE("three fresh nodes form one cluster of three voters and replicate an enqueue",
          "[cluster][raft]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes = start_cluster(net, dir);
  const bool formed = wait_until([&] { return all_voters(nodes); }, seconds(20));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  const int leader = leader_of(nodes);
  REQUIRE(leader >= 0);
  int leaders = 0;
  for (const auto& node : nodes) leaders += has(*node, "bootstrapping a one-voter cluster");
  CHECK(leaders == 1);  // one cluster, not three

  CommandResult enqueued = ctl(net, leader, leader, {"enqueue", "--", "true"});
  INFO(enqueued.out << enqueued.err);
  REQUIRE(enqueued.exit_status == 0);
  const std::string id = trim(enqueued.out);
  for (int i = 0; i < 3; ++i) {
    // Acknowledged = committed on a majority; each follower applies it at
    // the next heartbeat at the latest.
    CHECK(wait_until([&] { return ctl(net, i, i, {"job", id}).exit_status == 0; }, seconds(5)));
  }

  // A follower passes a write on to the leader and answers with its reply.
  const int follower = (leader + 1) % 3;
  CommandResult forwarded = ctl(net, follower, follower, {"enqueue", "--wait", "--", "echo", "hi"});
  INFO(forwarded.out << forwarded.err);
  CHECK(forwarded.exit_status == 0);
  CHECK_THAT(forwarded.out, Catch::Contains("hi"));

  // Job actions, assignments and blacklist changes are writes too: a
  // follower passes them on rather than refusing them.
  CommandResult later = ctl(net, follower, follower, {"enqueue", "--in", "1h", "--", "true"});
  REQUIRE(later.exit_status == 0);
  const std::string later_id = trim(later.out);
  CommandResult killed = ctl(net, follower, follower, {"kill", later_id});
  INFO(killed.out << killed.err);
  CHECK(killed.exit_status == 0);
  CHECK(wait_until(
      [&] {
        return ctl(net, leader, leader, {"job", later_id}).out.find("killed") != std::string::npos;
      },
      seconds(5)));
  CommandResult window = ctl(net, follower, follower, {"blacklist", "window", "default", "1h"});
  INFO(window.out << window.err);
  CHECK(window.exit_status == 0);
  // "drain" without a node drains the node asked, not the leader it went to.
  CommandResult drained = ctl(net, follower, follower, {"drain"});
  INFO(drained.out << drained.err);
  CHECK(drained.exit_status == 0);
  CHECK_THAT(drained.out, Catch::Contains(node_id_of(*nodes[follower])));
  CHECK(ctl(net, follower, follower, {"undrain"}).exit_status == 0);

  // desasterctl nodes on the leader: a leader and two voters, none lagging.
  CommandResult listed = ctl(net, leader, leader, {"nodes"});
  INFO(listed.out << listed.err);
  REQUIRE(listed.exit_status == 0);
  CHECK_THAT(listed.out, Catch::Contains(node_id_of(*nodes[leader]).substr(0, 8) + "*"));
  CHECK_THAT(listed.out, Catch::Contains("leader"));
  CHECK(std::count(listed.out.begin(), listed.out.end(), '\n') >= 4);
  std::size_t voters = 0;
  for (auto at = listed.out.find(" voter "); at != std::string::npos;
       at = listed.out.find(" voter ", at + 1))
    ++voters;
  CHECK(voters == 2);
}

TEST_CASE(
    "kill -9 of the leader under load: a new leader within seconds, no acknowledged job "
    "lost, and a killed follower does not stop the cluster",
    "[cluster][raft]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes = start_cluster(net, dir);
  const bool formed = wait_until([&] { return all_voters(nodes); }, seconds(20));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  const int old_leader = leader_of(nodes);
  REQUIRE(old_leader >= 0);

  // A client enqueues in a loop from the namespace of a node that stays,
  // trying each node until one acknowledges, and records what was acked.
  const int client_ns = (old_leader + 1) % 3;
  std::mutex mutex;
  std::vector<std::string> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> target{old_leader};
  std::thread client([&] {
    while (!stop) {
      const int node = target;
      CommandResult r = ctl(net, client_ns, node, {"enqueue", "--", "true"});
      if (r.exit_status == 0) {
        std::lock_guard<std::mutex> lock(mutex);
        acked.push_back(trim(r.out));
      } else {
        target = (node + 1) % 3;  // refused or unreachable: try the next node
      }
    }
  });
  auto acked_count = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return acked.size();
  };
  REQUIRE(wait_until([&] { return acked_count() >= 20; }, seconds(20)));

  nodes[old_leader]->kill9();
  const auto killed_at = std::chrono::steady_clock::now();
  const std::size_t before = acked_count();
  const bool new_leader = wait_until([&] { return leader_of(nodes) >= 0; }, seconds(10));
  const auto elected_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - killed_at);
  if (!new_leader) dump_logs(nodes);
  REQUIRE(new_leader);
  CHECK(elected_ms < seconds(5));
  const bool resumed = wait_until([&] { return acked_count() >= before + 20; }, seconds(20));
  const auto resumed_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - killed_at);
  WARN("after kill -9 of the leader: a new leader in "
       << elected_ms.count() << " ms (seen in its log); 20 more acks " << resumed_ms.count()
       << " ms after it");
  REQUIRE(resumed);

  // The old leader comes back as a follower and catches up; then the other
  // follower is killed: two voters of three still commit.
  REQUIRE(nodes[old_leader]->start());
  const int leader = leader_of(nodes);
  REQUIRE(leader >= 0);
  int follower = -1;
  for (int i = 0; i < 3; ++i)
    if (i != leader && i != old_leader) follower = i;
  // The restarted node catches up before the other follower goes.
  REQUIRE(wait_until(
      [&] {
        CommandResult r = ctl(net, old_leader, old_leader, {"job", acked.back()});
        return r.exit_status == 0;
      },
      seconds(10)));
  nodes[follower]->kill9();
  const std::size_t before_follower = acked_count();
  CHECK(wait_until([&] { return acked_count() >= before_follower + 10; }, seconds(15)));
  stop = true;
  client.join();

  // Every acknowledged job is on the leader and on the restarted node.
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mutex);
    ids = acked;
  }
  for (int node : {leader, old_leader}) {
    CommandResult listed = ctl(net, node, node, {"jobs", "--limit", "10000"});
    REQUIRE(listed.exit_status == 0);
    std::size_t missing = 0;
    for (const std::string& id : ids)
      if (listed.out.find(id) == std::string::npos) ++missing;
    INFO("node " << node << " misses " << missing << " of " << ids.size() << " acknowledged jobs");
    CHECK(missing == 0);
  }
}

}  // namespace desaster::test
