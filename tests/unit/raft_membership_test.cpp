// Single-server membership changes: learners that follow but do not count,
// promotion, removal (of the leader too), one change pending at a time.
#include <catch2/catch.hpp>

#include "tests/sim/raft_harness.hpp"

namespace desaster::raft::sim {

TEST_CASE("a learner receives the log but does not count for commit", "[raft]") {
  Harness h(1, 0, 1);
  h.elect(1);
  REQUIRE(h.raft(1).propose_conf_change({ConfChangeType::add_learner, Harness::id(2)}, 0).ok());
  h.settle();
  CHECK(h.raft(1).conf().learners.count(Harness::id(2)));
  const std::uint64_t index = *h.raft(1).propose({"op"}, 0);
  h.settle();
  CHECK(h.raft(2).log().committed() == index);
  CHECK(h.node(2).applied.back().op == "op");
  CHECK(h.raft(2).conf().learners.count(Harness::id(2)));  // applied there too
  // With the learner cut off the lone voter still commits alone.
  h.isolate(2);
  const std::uint64_t alone = *h.raft(1).propose({"alone"}, 0);
  h.settle();
  CHECK(h.raft(1).log().committed() == alone);
}

TEST_CASE("a promoted learner counts for commit", "[raft]") {
  Harness h(1, 1);
  h.elect(1);
  REQUIRE(h.raft(1).propose_conf_change({ConfChangeType::promote, Harness::id(2)}, 0).ok());
  h.settle();
  REQUIRE(h.raft(1).conf().voters.size() == 2);
  h.isolate(2);
  const std::uint64_t index = *h.raft(1).propose({"needs-two"}, 0);
  h.settle();
  CHECK(h.raft(1).log().committed() < index);  // one of two is no majority
  h.heal();
  h.tick(1);
  CHECK(h.raft(1).log().committed() == index);
}

TEST_CASE("only one membership change may be pending at a time", "[raft]") {
  Harness h(1, 0, 2);
  h.elect(1);
  h.isolate(1);  // nothing else matters: a one-voter cluster commits alone
  REQUIRE(h.raft(1).propose_conf_change({ConfChangeType::add_learner, Harness::id(2)}, 0).ok());
  Result<std::uint64_t> second =
      h.raft(1).propose_conf_change({ConfChangeType::add_learner, Harness::id(3)}, 0);
  CHECK(second.status().code == ErrorCode::conflict);
  h.settle();
  CHECK(h.raft(1).propose_conf_change({ConfChangeType::add_learner, Harness::id(3)}, 0).ok());
  // And the obviously wrong ones are refused with a reason.
  h.settle();
  CHECK(h.raft(1)
            .propose_conf_change({ConfChangeType::add_learner, Harness::id(3)}, 0)
            .status()
            .code == ErrorCode::conflict);
  CHECK(h.raft(1).propose_conf_change({ConfChangeType::remove, Harness::id(9)}, 0).status().code ==
        ErrorCode::not_found);
  CHECK(h.raft(1).propose_conf_change({ConfChangeType::remove, Harness::id(1)}, 0).status().code ==
        ErrorCode::conflict);  // the last voter
}

TEST_CASE("a new leader proposes no membership change before its first entry is applied",
          "[raft]") {
  // Until its term's first entry is committed, the leader does not know
  // what its predecessors committed: a change now could race one of theirs
  // (the single-server change bug Ongaro describes), so it must wait.
  Harness fresh(3, 0, 1);
  fresh.raft(1).campaign();
  for (int i = 0; i < 10 && fresh.raft(1).role() != Role::leader; ++i) fresh.round();
  REQUIRE(fresh.raft(1).role() == Role::leader);
  REQUIRE(fresh.raft(1).log().applied() < fresh.raft(1).log().last_index());
  CHECK(fresh.raft(1)
            .propose_conf_change({ConfChangeType::add_learner, Harness::id(4)}, 0)
            .status()
            .code == ErrorCode::conflict);
  fresh.settle();
  CHECK(fresh.raft(1).propose_conf_change({ConfChangeType::add_learner, Harness::id(4)}, 0).ok());
}

TEST_CASE("a removed voter shrinks the quorum, and a removed leader steps down", "[raft]") {
  Harness h(3);
  h.elect(1);
  REQUIRE(h.raft(1).propose_conf_change({ConfChangeType::remove, Harness::id(3)}, 0).ok());
  h.settle();
  CHECK(h.raft(1).conf().voters.size() == 2);
  CHECK(h.raft(1).progress().count(Harness::id(3)) == 0);
  REQUIRE(h.raft(1).propose_conf_change({ConfChangeType::remove, Harness::id(1)}, 0).ok());
  h.settle();
  CHECK(h.raft(1).role() == Role::follower);
  CHECK_FALSE(h.raft(1).promotable());
  h.tick(30);
  CHECK(h.raft(2).role() == Role::leader);  // the one voter left
  CHECK(h.raft(2).conf().voters == std::set<NodeId>{Harness::id(2)});
  const std::uint64_t index = *h.raft(2).propose({"alone"}, 0);
  h.settle();
  CHECK(h.raft(2).log().committed() == index);
}

}  // namespace desaster::raft::sim
