// Raft elections: pre-vote, check-quorum, votes only for logs at least as
// up to date, learners out of elections, restarts that keep term and vote.
#include <catch2/catch.hpp>

#include "tests/sim/raft_harness.hpp"

namespace desaster::raft::sim {
namespace {

int count_leaders(Harness& h, int nodes) {
  int leaders = 0;
  for (int i = 1; i <= nodes; ++i) leaders += h.raft(i).role() == Role::leader;
  return leaders;
}

}  // namespace

TEST_CASE("a lone voter that campaigns leads at once and commits its term's first entry",
          "[raft]") {
  RaftConfig config;
  config.term_start_op = "leader-start";
  Harness h(1, 0, 0, config);
  h.elect(1);
  REQUIRE(h.raft(1).role() == Role::leader);
  CHECK(h.raft(1).term() == 1);
  CHECK(h.raft(1).log().committed() == 1);
  REQUIRE(h.node(1).applied.size() == 1);
  CHECK(h.node(1).applied[0].op == "leader-start");
}

TEST_CASE("three voters elect exactly one leader once the election timeout passes", "[raft]") {
  Harness h(3);
  h.tick(25);  // the longest randomized timeout is under 2 x 10 ticks
  CHECK(count_leaders(h, 3) == 1);
  const int leader = h.leader();
  REQUIRE(leader != 0);
  for (int i = 1; i <= 3; ++i) {
    CHECK(h.raft(i).term() == h.raft(leader).term());
    CHECK(h.raft(i).leader() == Harness::id(leader));
    CHECK(h.raft(i).log().committed() == 1);
  }
}

TEST_CASE("with pre-vote a node cut off from the others does not raise its term", "[raft]") {
  Harness h(3);
  h.elect(1);
  const std::uint64_t term = h.raft(1).term();
  h.isolate(3);
  h.tick(100);
  CHECK(h.raft(3).term() == term);  // its pre-votes were never answered
  CHECK(h.raft(3).role() == Role::pre_candidate);
  h.heal();
  h.tick(3);
  CHECK(h.raft(1).role() == Role::leader);  // nobody was disrupted
  CHECK(h.raft(1).term() == term);
  CHECK(h.raft(3).leader() == Harness::id(1));
}

TEST_CASE("check-quorum makes a leader cut off from its majority step down", "[raft]") {
  Harness h(3);
  h.elect(1);
  h.isolate(1);
  h.tick(9);  // every member gets one full election timeout of grace
  CHECK(h.raft(1).role() == Role::leader);
  h.tick(11);  // then a whole timeout without hearing from a majority
  CHECK(h.raft(1).role() == Role::follower);
  CHECK(h.raft(1).propose({"x"}, 0).status().code == ErrorCode::unavailable);
  h.tick(30);
  const int leader = h.leader();
  CHECK((leader == 2 || leader == 3));
}

TEST_CASE("a leader woken from a pause steps down and proposes nothing in its old term",
          "[raft][faults]") {
  Harness h(3);
  h.elect(1);
  const std::uint64_t term = h.raft(1).term();
  REQUIRE(h.raft(1).step_down_after_pause());
  CHECK(h.raft(1).role() == Role::follower);
  CHECK(h.raft(1).term() == term);  // no new term of its own making
  CHECK(h.raft(1).leader().empty());
  CHECK(h.raft(1).propose({"decided while deposed"}, 0).status().code == ErrorCode::unavailable);
  CHECK_FALSE(h.raft(1).step_down_after_pause());  // only a leader steps down
  h.tick(30);
  const int leader = h.leader();
  REQUIRE(leader != 0);
  for (int i = 1; i <= 3; ++i) {
    CHECK(h.raft(i).leader() == Harness::id(leader));
    for (const LogEntry& e : h.node(i).applied) CHECK(e.op != "decided while deposed");
  }
}

TEST_CASE("a lone voter keeps leading after a pause: nobody else can", "[raft][faults]") {
  Harness h(1);
  h.elect(1);
  CHECK_FALSE(h.raft(1).step_down_after_pause());
  CHECK(h.raft(1).role() == Role::leader);
}

TEST_CASE("a voter refuses a candidate whose log is behind its own", "[raft]") {
  RaftConfig config;
  config.pre_vote = false;  // let the votes themselves reach node 2
  config.check_quorum = false;
  Harness h(3, 0, 0, config);
  h.elect(1);
  h.isolate(3);
  REQUIRE(h.raft(1).propose({"a", "b"}, 0).ok());
  h.settle();
  REQUIRE(h.raft(2).log().last_index() > h.raft(3).log().last_index());
  h.heal();
  h.isolate(1);
  h.raft(3).campaign();
  h.settle();
  CHECK(h.raft(3).role() == Role::candidate);  // node 2 said no
  CHECK(h.raft(2).vote() != Harness::id(3));
  h.raft(2).campaign();
  h.settle();
  CHECK(h.raft(2).role() == Role::leader);
  CHECK(h.raft(3).log().last_index() == h.raft(2).log().last_index());
}

TEST_CASE("learners never campaign and their votes never count", "[raft]") {
  Harness h(2, 1);
  h.tick(40);
  CHECK(h.raft(3).role() == Role::follower);
  CHECK_FALSE(h.raft(3).promotable());
  h.raft(3).campaign();
  h.settle();
  CHECK(h.raft(3).role() == Role::follower);
  CHECK(h.raft(3).term() == h.raft(1).term());
  // Two voters cut apart: the learner's grant does not make a majority.
  const int leader = h.leader();
  REQUIRE(leader != 0);
  const int other = leader == 1 ? 2 : 1;
  h.cut(1, 2);
  h.tick(60);
  CHECK(h.raft(other).role() != Role::leader);
  CHECK(h.leader() == 0);  // check-quorum deposed the old one, too
}

TEST_CASE("a restarted node keeps its term, vote and log from what it persisted", "[raft]") {
  Harness h(3);
  h.elect(1);
  REQUIRE(h.raft(1).propose({"a"}, 0).ok());
  h.settle();
  const HardState before = h.raft(2).hard_state();
  const std::uint64_t last = h.raft(2).log().last_index();
  h.restart(2);
  CHECK(h.raft(2).term() == before.term);
  CHECK(h.raft(2).vote() == before.vote);
  CHECK(h.raft(2).log().last_index() == last);
  CHECK(h.raft(2).log().committed() <= before.commit);
  h.settle();
  // It applies again what was committed, from its snapshot (index 0) on.
  CHECK(h.node(2).applied.size() == 2);
}

TEST_CASE("a message with entries that do not follow its index is refused", "[raft]") {
  Harness h(3);
  Message m{.type = MessageType::append, .from = Harness::id(1), .to = Harness::id(2), .term = 1};
  m.index = 0;
  m.entries = {LogEntry{1, 5, 0, "x", EntryKind::op}};
  Status s = h.raft(2).step(m);
  CHECK(s.code == ErrorCode::bad_request);
  CHECK_THAT(s.message, Catch::Contains("do not follow index 0"));
  CHECK(h.raft(2).log().last_index() == 0);
  m.entries = {LogEntry{9, 1, 0, "x", EntryKind::op}};
  CHECK_THAT(h.raft(2).step(m).message, Catch::Contains("above the message's"));
  m.to = Harness::id(3);
  CHECK_THAT(h.raft(2).step(m).message, Catch::Contains("addressed to"));
}

}  // namespace desaster::raft::sim
