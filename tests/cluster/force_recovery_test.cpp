// Force-recovery with real nodes: a two-node cluster (one voter, one
// learner) whose voter dies cannot elect; the operator's force-recovery on
// the learner is refused without the risk flag and while the voter lives,
// then makes the learner a one-voter cluster that keeps every job and
// acknowledges writes again.
#include <catch2/catch.hpp>

#include "tests/cluster/harness/cluster_catch.hpp"

namespace desaster::test {

namespace {

using std::chrono::seconds;

}  // namespace

TEST_CASE(
    "force-recovery makes the survivor of a two-node cluster a one-voter cluster that keeps its "
    "jobs and acknowledges writes",
    "[cluster][raft][recovery]") {
  require_network();
  TestNetwork net(2);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < 2; ++i) {
    nodes.push_back(clustered_node(net, dir.path(), i, {"-j", "1"}));
    INFO(nodes.back()->log());
    REQUIRE(nodes.back()->start());
  }
  // Two nodes: one voter (the leader) and one learner.
  const bool formed = wait_until(
      [&] {
        const int leader = leader_of(nodes);
        return leader >= 0 && log_has(*nodes[1 - leader], "raft: this node is now a learner");
      },
      seconds(20));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  const int voter = leader_of(nodes);
  const int learner = 1 - voter;

  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    CommandResult r = ctl(net, voter, voter, {"enqueue", "--", "true"});
    REQUIRE(r.exit_status == 0);
    ids.push_back(trim(r.out));
  }
  REQUIRE(wait_until([&] { return missing_on(net, learner, ids) == 0; }, seconds(10)));

  // Refused while the voter leads, and refused without the flag at all.
  CommandResult early = ctl(net, learner, learner, {"force-recovery", "--yes-i-accept-the-risk"});
  CHECK(early.exit_status == 1);
  CHECK_THAT(early.err, Catch::Contains("sees a leader"));
  CommandResult unflagged = ctl(net, learner, learner, {"force-recovery"});
  CHECK(unflagged.exit_status == 2);
  CHECK_THAT(unflagged.err, Catch::Contains("--yes-i-accept-the-risk"));

  nodes[voter]->kill9();
  // The learner cannot elect: writes fail.
  CommandResult orphan = ctl(net, learner, learner, {"enqueue", "--", "true"});
  CHECK(orphan.exit_status != 0);

  // Once the node is sure the voter is gone (a few seconds), it recovers.
  CommandResult recovered;
  const bool done = wait_until(
      [&] {
        recovered = ctl(net, learner, learner, {"force-recovery", "--yes-i-accept-the-risk"});
        return recovered.exit_status == 0;
      },
      seconds(20));
  INFO(recovered.out << recovered.err);
  if (!done) dump_logs(nodes);
  REQUIRE(done);
  CHECK_THAT(recovered.out, Catch::Contains("is now the only voter"));
  CHECK_THAT(recovered.out, Catch::Contains(node_id_of(*nodes[voter]).substr(0, 8)));
  CHECK(log_has(*nodes[learner], "raft: FORCE-RECOVERY by an operator who accepted the risk"));

  // It leads alone, acknowledges writes, and kept every job.
  CommandResult after;
  CHECK(wait_until(
      [&] {
        after = ctl(net, learner, learner, {"enqueue", "--wait", "--", "echo", "alive"});
        return after.exit_status == 0;
      },
      seconds(10)));
  INFO(after.out << after.err);
  CHECK_THAT(after.out, Catch::Contains("alive"));
  CHECK(missing_on(net, learner, ids) == 0);
  CHECK(log_has(*nodes[learner], "raft: this node is now a voter"));

  // And it stays so across a restart (the recovery entry is in its log).
  CHECK(nodes[learner]->terminate() == 0);
  REQUIRE(nodes[learner]->start());
  CHECK(wait_until(
      [&] {
        return ctl(net, learner, learner, {"enqueue", "--", "true"}).exit_status == 0;
      },
      seconds(10)));
}

}  // namespace desaster::test
