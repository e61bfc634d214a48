// Membership with real nodes: a node that joins after the leader compacted
// its log catches up from the leader's snapshot, and a voter that dies is
// replaced by the learner (the autopilot promotes it, then removes the dead
// voter), so the cluster keeps three voters.
#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/cluster/harness/cluster_catch.hpp"

namespace desaster::test {

namespace {

using std::chrono::seconds;

std::size_t count_of(const std::string& text, const std::string& word) {
  std::size_t n = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a node that joins late installs the leader's snapshot and serves every job",
          "[cluster][raft][snapshot]") {
  require_network();
  TestNetwork net(4);
  TempDir dir;
  // A tiny snapshot threshold, so that the leader compacts its log long
  // before the fourth node comes.
  const std::vector<std::string> small_snapshots{"-j", "1", "--snapshot-bytes", "4K"};
  Nodes nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(clustered_node(net, dir.path(), i, small_snapshots));
    INFO(nodes.back()->log());
    REQUIRE(nodes.back()->start());
  }
  const bool formed =
      wait_until([&] { return all_voters(nodes) && leader_of(nodes) >= 0; }, seconds(30));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  const int leader = leader_of(nodes);

  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i) {
    CommandResult r = ctl(net, leader, leader,
                          {"enqueue", "--queue", "late", "--", "echo", "job " + std::to_string(i)});
    INFO(r.err);
    REQUIRE(r.exit_status == 0);
    ids.push_back(trim(r.out));
  }
  const bool compacted =
      wait_until([&] { return log_has(*nodes[leader], "raft: writing a snapshot at index"); });
  if (!compacted) dump_logs(nodes);
  REQUIRE(compacted);

  nodes.push_back(clustered_node(net, dir.path(), 3, small_snapshots));
  REQUIRE(nodes.back()->start());
  const bool installed = wait_until(
      [&] { return log_has(*nodes[3], "raft: installing the leader's snapshot at index"); },
      seconds(20));
  if (!installed) dump_logs(nodes);
  REQUIRE(installed);
  CHECK(wait_until([&] { return log_has(*nodes[3], "raft: this node is now a learner"); },
                   seconds(10)));
  // The late node answers reads from its replica: every job is there.
  std::size_t missing = ids.size();
  CHECK(wait_until(
      [&] {
        missing = missing_on(net, 3, ids);
        return missing == 0;
      },
      seconds(10)));
  INFO("the late node misses " << missing << " of " << ids.size());
  CHECK(missing == 0);
  // And it keeps up after the snapshot: a new enqueue reaches it.
  CommandResult more = ctl(net, leader, leader, {"enqueue", "--", "true"});
  REQUIRE(more.exit_status == 0);
  CHECK(wait_until(
      [&] {
        return ctl(net, 3, 3, {"job", trim(more.out)}).exit_status == 0;
      },
      seconds(5)));
}

TEST_CASE("a learner is promoted when a voter dies, and the dead voter is removed",
          "[cluster][raft][membership]") {
  require_network();
  TestNetwork net(4);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < 4; ++i) {
    nodes.push_back(clustered_node(net, dir.path(), i, {"-j", "1", "--voter-timeout", "3"}));
    INFO(nodes.back()->log());
    REQUIRE(nodes.back()->start());
  }
  // Four nodes: three voters and one learner (an even number of voters
  // would survive no more failures than one fewer).
  auto learner_of = [&]() -> int {
    for (int i = 0; i < 4; ++i)
      if (!all_voters(nodes, {i}) && log_has(*nodes[i], "raft: this node is now a learner"))
        return i;
    return -1;
  };
  auto voters = [&] {
    int n = 0;
    for (int i = 0; i < 4; ++i) n += all_voters(nodes, {i});
    return n;
  };
  const bool formed = wait_until(
      [&] { return voters() == 3 && learner_of() >= 0 && leader_of(nodes) >= 0; }, seconds(30));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  const int leader = leader_of(nodes);
  const int learner = learner_of();
  int victim = 0;
  while (victim == leader || victim == learner) ++victim;

  nodes[victim]->kill9();
  const std::string victim_id = node_id_of(*nodes[victim]).substr(0, 8);
  const bool promoted = wait_until([&] { return all_voters(nodes, {learner}); }, seconds(20));
  if (!promoted) dump_logs(nodes);
  REQUIRE(promoted);
  CHECK(wait_until(
      [&] {
        return log_has(*nodes[leader],
                       "raft: membership: removing " + victim_id + " (silent for longer than 3 s)");
      },
      seconds(20)));
  // The leader's view: itself and two voters, no learner, the dead node gone.
  CommandResult listed;
  const bool three = wait_until(
      [&] {
        listed = ctl(net, leader, leader, {"nodes"});
        return listed.exit_status == 0 && count_of(listed.out, " voter ") == 2 &&
               count_of(listed.out, " learner ") == 0 &&
               listed.out.find(victim_id) == std::string::npos;
      },
      seconds(15));
  INFO(listed.out << listed.err);
  CHECK(three);
  // Three voters of three alive: writes are acknowledged.
  CommandResult enqueued = ctl(net, learner, learner, {"enqueue", "--", "true"});
  INFO(enqueued.err);
  CHECK(enqueued.exit_status == 0);
}

}  // namespace desaster::test
