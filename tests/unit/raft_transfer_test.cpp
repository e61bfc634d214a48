// Raft leadership transfer: the leader catches the target up, sends it
// timeout_now, the target wins at once despite the others' leases, and a
// transfer that does not finish within an election timeout is abandoned.
#include <catch2/catch.hpp>

#include "tests/sim/raft_harness.hpp"

namespace desaster::raft::sim {
namespace {

std::size_t count_sent(HarnessNode& node, MessageType type) {
  std::size_t n = 0;
  for (const Message& m : node.sent) n += m.type == type;
  return n;
}

}  // namespace

TEST_CASE("a leader asked to transfer hands leadership to the named voter in the next term",
          "[raft][transfer]") {
  Harness h(3);
  h.elect(1);
  const std::uint64_t term = h.raft(1).term();
  REQUIRE(h.raft(1).transfer_leadership(Harness::id(3)).ok());
  h.settle();
  CHECK(h.raft(3).role() == Role::leader);
  CHECK(h.raft(3).term() == term + 1);
  CHECK(h.raft(1).role() == Role::follower);
  CHECK(h.raft(1).leader() == Harness::id(3));
  CHECK(h.raft(2).leader() == Harness::id(3));
  CHECK(count_sent(h.node(3), MessageType::pre_vote) == 0);  // pre-vote is skipped
  CHECK(count_sent(h.node(1), MessageType::timeout_now) == 1);
  // The new leader commits its term's first entry and takes proposals.
  REQUIRE(h.raft(3).propose({"after"}, 0).ok());
  h.settle();
  CHECK(h.node(2).applied.back().op == "after");
}

TEST_CASE("a leader catches a lagging target up before telling it to campaign",
          "[raft][transfer]") {
  Harness h(3);
  h.elect(1);
  h.cut(1, 3);
  REQUIRE(h.raft(1).propose({"a", "b", "c"}, 0).ok());
  h.settle();
  REQUIRE(h.raft(1).log().committed() == h.raft(1).log().last_index());  // 1 and 2 commit
  REQUIRE(h.raft(3).log().last_index() < h.raft(1).log().last_index());
  REQUIRE(h.raft(1).transfer_leadership(Harness::id(3)).ok());
  h.settle();
  CHECK(count_sent(h.node(1), MessageType::timeout_now) == 0);  // not while 3 lags
  CHECK(h.raft(1).role() == Role::leader);
  h.heal();
  h.tick(3);  // heartbeats find 3 behind; appends catch it up, then timeout_now
  CHECK(count_sent(h.node(1), MessageType::timeout_now) == 1);
  CHECK(h.raft(3).role() == Role::leader);
  std::vector<std::string> ops;
  for (const LogEntry& e : h.node(3).applied) ops.push_back(e.op);
  CHECK(std::count(ops.begin(), ops.end(), "c") == 1);  // nothing committed was lost
}

TEST_CASE("a leader transferring leadership refuses proposals until the transfer ends",
          "[raft][transfer]") {
  Harness h(3);
  h.elect(1);
  h.isolate(3);
  REQUIRE(h.raft(1).transfer_leadership(Harness::id(3)).ok());
  CHECK(h.raft(1).transferee() == Harness::id(3));
  Result<std::uint64_t> refused = h.raft(1).propose({"x"}, 0);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code == ErrorCode::unavailable);
  CHECK_THAT(refused.status().message, Catch::Contains("leadership is being handed to"));
  CHECK(h.raft(1).propose_conf_change({ConfChangeType::remove, Harness::id(2)}, 0).status().code ==
        ErrorCode::unavailable);
}

TEST_CASE("a transfer that does not finish within an election timeout is abandoned",
          "[raft][transfer]") {
  Harness h(3);
  h.elect(1);
  const std::uint64_t term = h.raft(1).term();
  h.isolate(3);
  REQUIRE(h.raft(1).transfer_leadership(Harness::id(3)).ok());
  h.tick(9);
  CHECK_FALSE(h.raft(1).transferee().empty());
  h.tick(1);  // the 10th tick: one election timeout
  CHECK(h.raft(1).transferee().empty());
  CHECK(h.raft(1).role() == Role::leader);  // 2 keeps its majority alive
  CHECK(h.raft(1).term() == term);
  REQUIRE(h.raft(1).propose({"resumed"}, 0).ok());
  h.settle();
  CHECK(h.node(2).applied.back().op == "resumed");
}

TEST_CASE("with no target named the most up-to-date voter gets leadership", "[raft][transfer]") {
  Harness h(3);
  h.elect(1);
  h.cut(1, 2);
  REQUIRE(h.raft(1).propose({"a"}, 0).ok());
  h.settle();
  h.heal();
  // 3 holds everything, 2 not yet (its heartbeat answer would catch it up).
  REQUIRE(h.raft(1).progress().at(Harness::id(3)).match() == h.raft(1).log().last_index());
  REQUIRE(h.raft(1).progress().at(Harness::id(2)).match() < h.raft(1).log().last_index());
  REQUIRE(h.raft(1).transfer_leadership(NodeId{}).ok());
  CHECK(h.raft(1).transferee() == Harness::id(3));
  h.settle();
  CHECK(h.raft(3).role() == Role::leader);
}

TEST_CASE("a transfer's vote is granted by voters that still hear the leader, a plain one is not",
          "[raft][transfer]") {
  Harness h(3);
  h.elect(1);
  const std::uint64_t term = h.raft(1).term();
  Message vote{.type = MessageType::vote,
               .from = Harness::id(3),
               .to = Harness::id(2),
               .term = term + 1,
               .log_term = h.raft(3).log().last_term(),
               .index = h.raft(3).log().last_index()};
  REQUIRE(h.raft(2).step(vote).ok());
  CHECK(h.raft(2).term() == term);  // 2 heard its leader lately: ignored
  vote.transfer = true;
  REQUIRE(h.raft(2).step(vote).ok());
  CHECK(h.raft(2).term() == term + 1);
  CHECK(h.raft(2).vote() == Harness::id(3));
}

TEST_CASE("transfer requests that cannot be carried out are refused", "[raft][transfer]") {
  Harness h(3, 1);
  h.elect(1);
  CHECK(h.raft(2).transfer_leadership(Harness::id(3)).code == ErrorCode::unavailable);
  CHECK(h.raft(1).transfer_leadership(Harness::id(4)).code == ErrorCode::bad_request);  // learner
  CHECK(h.raft(1).transfer_leadership(Harness::id(9)).code == ErrorCode::bad_request);  // unknown
  CHECK(h.raft(1).transfer_leadership(Harness::id(1)).ok());  // it leads already
  CHECK(h.raft(1).transferee().empty());
  Harness lone(1);
  lone.elect(1);
  CHECK(lone.raft(1).transfer_leadership(NodeId{}).code == ErrorCode::bad_request);
}

TEST_CASE("timeout_now from a node that is not the leader is ignored", "[raft][transfer]") {
  Harness h(3, 1);
  h.elect(1);
  const std::uint64_t term = h.raft(1).term();
  REQUIRE(h.raft(3)
              .step({.type = MessageType::timeout_now,
                     .from = Harness::id(2),
                     .to = Harness::id(3),
                     .term = term})
              .ok());
  h.settle();
  CHECK(h.raft(3).role() == Role::follower);
  REQUIRE(h.raft(4)
              .step({.type = MessageType::timeout_now,
                     .from = Harness::id(1),
                     .to = Harness::id(4),
                     .term = term})
              .ok());
  h.settle();
  CHECK(h.raft(4).role() == Role::follower);  // a learner never campaigns
  CHECK(h.raft(1).role() == Role::leader);
  CHECK(h.raft(1).term() == term);
}

}  // namespace desaster::raft::sim
