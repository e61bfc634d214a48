// Raft log replication: commit by majority of persisted copies, batching
// and pipelining of appends, overwriting a conflicting tail, snapshots for
// members too far behind, and proposals refused off the leader.
#include <catch2/catch.hpp>

#include "tests/sim/raft_harness.hpp"

namespace desaster::raft::sim {
namespace {

std::vector<Message> appends_to(const HarnessNode& node, const NodeId& to) {
  std::vector<Message> out;
  for (const Message& m : node.sent) {
    if (m.type == MessageType::append && m.to == to && !m.entries.empty()) out.push_back(m);
  }
  return out;
}

}  // namespace

TEST_CASE("an entry commits once a majority of voters persisted it, and not before", "[raft]") {
  Harness h(3);
  h.elect(1);
  const std::uint64_t before = h.raft(1).log().committed();
  h.isolate(3);
  const std::uint64_t index = *h.raft(1).propose({"job"}, 7);
  h.round();  // the leader persists and sends; node 2 holds it only in memory
  CHECK(h.raft(2).log().last_index() == index);
  CHECK(h.raft(1).log().committed() == before);
  h.settle();  // node 2 persists and answers: two of three
  CHECK(h.raft(1).log().committed() == index);
  CHECK(h.raft(3).log().last_index() < index);
  REQUIRE(h.node(1).applied.back().op == "job");
  CHECK(h.node(1).applied.back().timestamp == 7);  // stamped with the proposer's now
}

TEST_CASE("a minority cannot commit", "[raft]") {
  Harness h(3);
  h.elect(1);
  h.isolate(2);
  h.isolate(3);
  const std::uint64_t index = *h.raft(1).propose({"job"}, 0);
  h.settle();
  CHECK(h.raft(1).log().committed() < index);
  h.heal();
  h.tick(1);
  CHECK(h.raft(1).log().committed() == index);
}

TEST_CASE("appends are batched by bytes and pipelined up to the inflight window", "[raft]") {
  RaftConfig config;
  config.max_append_bytes = 10;
  config.max_inflight = 2;
  Harness h(2, 0, 0, config);
  h.elect(1);
  h.node(1).sent.clear();
  h.isolate(2);                             // nothing is acknowledged: the window fills
  std::vector<std::string> ops(8, "abcd");  // 4 bytes each: two per append
  REQUIRE(h.raft(1).propose(ops, 0).ok());
  h.settle();
  std::vector<Message> sent = appends_to(h.node(1), Harness::id(2));
  REQUIRE(sent.size() == 2);  // the window, not one per entry or all at once
  CHECK(sent[0].entries.size() == 2);
  CHECK(sent[1].entries.size() == 2);
  CHECK(sent[1].index == sent[0].entries.back().index);  // sent back to back, unacknowledged
  h.heal();
  h.tick(2);
  CHECK(h.raft(2).log().last_index() == h.raft(1).log().last_index());
  CHECK(h.raft(1).log().committed() == h.raft(1).log().last_index());
}

TEST_CASE("a follower's conflicting uncommitted tail is replaced by the leader's log", "[raft]") {
  RaftConfig config;
  config.pre_vote = false;
  config.check_quorum = false;
  Harness h(3, 0, 0, config);
  h.elect(1);
  h.isolate(1);
  REQUIRE(h.raft(1).propose({"lost-1", "lost-2"}, 0).ok());  // only node 1 ever has these
  h.settle();
  h.heal();
  h.isolate(1);
  h.elect(2);
  REQUIRE(h.raft(2).role() == Role::leader);
  REQUIRE(h.raft(2).propose({"kept"}, 0).ok());
  h.settle();
  h.heal();
  h.tick(3);
  CHECK(h.raft(1).role() == Role::follower);
  CHECK(h.raft(1).log().last_index() == h.raft(2).log().last_index());
  std::vector<std::string> ops;
  for (const LogEntry& e : h.node(1).applied) ops.push_back(e.op);
  CHECK(std::find(ops.begin(), ops.end(), "lost-1") == ops.end());
  CHECK(std::find(ops.begin(), ops.end(), "kept") != ops.end());
}

TEST_CASE("a member too far behind gets the snapshot the application supplied", "[raft]") {
  Harness h(3);
  h.elect(1);
  h.isolate(3);
  for (int i = 0; i < 5; ++i) REQUIRE(h.raft(1).propose({"op" + std::to_string(i)}, 0).ok());
  h.settle();
  h.raft(1).compact("state-at-applied");
  const std::uint64_t snap = h.raft(1).snapshot().meta.index;
  REQUIRE(snap == h.raft(1).log().committed());
  CHECK(h.raft(1).log().first_index() == snap + 1);
  h.heal();
  h.tick(2);
  REQUIRE(h.node(3).installed.has_value());
  CHECK(h.node(3).installed->data == "state-at-applied");
  CHECK(h.node(3).installed->meta.index == snap);
  CHECK(h.node(3).installed->meta.conf == h.raft(1).conf());
  CHECK(h.raft(3).log().committed() == h.raft(1).log().committed());
  // Later entries flow normally.
  const std::uint64_t next = *h.raft(1).propose({"after"}, 0);
  h.settle();
  CHECK(h.raft(3).log().committed() == next);
  CHECK(h.node(3).applied.back().op == "after");
}

namespace {

std::size_t snapshots_sent(const HarnessNode& node) {
  std::size_t n = 0;
  for (const Message& m : node.sent) n += m.type == MessageType::snapshot;
  return n;
}

// The leader (with member 3, a majority) commits and compacts while member
// 2 is cut off, then sends it the snapshot once it answers again; that
// snapshot is lost on the way (the leader's Readies are handled here, the
// snapshot dropped). Returns the snapshots the leader sent, the lost one
// included.
std::size_t lose_a_snapshot(Harness& h) {
  h.elect(1);
  h.isolate(2);
  for (int i = 0; i < 5; ++i) REQUIRE(h.raft(1).propose({"op" + std::to_string(i)}, 0).ok());
  h.settle();
  h.raft(1).compact("state-at-applied");
  h.heal();
  h.raft(1).tick();  // a heartbeat
  bool lost = false;
  for (int i = 0; i < 20 && !lost; ++i) {
    if (h.raft(1).has_ready()) {
      Ready r = h.raft(1).ready();
      REQUIRE(r.entries.empty());  // nothing the harness would have to persist
      REQUIRE(r.committed.empty());
      for (const Message& m : r.messages) {
        if (m.type == MessageType::snapshot) {
          lost = true;
        } else {
          (void)h.raft(static_cast<int>(m.to.lo)).step(m);
        }
      }
      h.raft(1).advance(r);
    }
    h.round();  // the others answer
  }
  REQUIRE(lost);
  REQUIRE_FALSE(h.node(2).installed.has_value());
  return 1 + snapshots_sent(h.node(1));
}

}  // namespace

TEST_CASE("a lost snapshot is sent again after snapshot_retry_ticks, not before", "[raft]") {
  RaftConfig base;
  base.election_ticks = 100;  // no campaign or check-quorum step-down meanwhile
  base.snapshot_retry_ticks = 6;
  Harness h(3, 0, 0, base);
  REQUIRE(lose_a_snapshot(h) == 1);
  h.tick(3);
  CHECK(snapshots_sent(h.node(1)) == 0);
  h.tick(4);
  CHECK(snapshots_sent(h.node(1)) == 1);
  CHECK(h.node(2).installed.has_value());
}

TEST_CASE("without snapshot_retry_ticks a lost snapshot waits an election timeout", "[raft]") {
  RaftConfig base;
  base.election_ticks = 100;
  Harness h(3, 0, 0, base);
  REQUIRE(lose_a_snapshot(h) == 1);
  h.tick(20);
  CHECK(snapshots_sent(h.node(1)) == 0);
  CHECK_FALSE(h.node(2).installed.has_value());
}

TEST_CASE("heartbeats and a leader's appends may leave before the Ready, an append's answer not",
          "[raft]") {
  Harness h(3);
  h.elect(1);
  h.raft(1).tick();  // heartbeats
  REQUIRE(h.raft(1).propose({"x"}, 0).ok());
  std::vector<Message> taken = h.raft(1).take_promise_free_messages();
  std::size_t heartbeats = 0;
  std::size_t appends = 0;
  for (const Message& m : taken) {
    heartbeats += m.type == MessageType::heartbeat;
    appends += m.type == MessageType::append;
  }
  CHECK(heartbeats == 2);
  CHECK(appends == 2);
  CHECK(h.raft(1).ready().messages.empty());

  // The follower answers the heartbeat at once; its answer to the append
  // promises the entry is on its disk, so it waits for the Ready.
  for (const Message& m : taken)
    if (m.to == Harness::id(2)) REQUIRE(h.raft(2).step(m).ok());
  const std::vector<Message> answers = h.raft(2).take_promise_free_messages();
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].type == MessageType::heartbeat_response);
  const Ready r = h.raft(2).ready();
  REQUIRE(r.messages.size() == 1);
  CHECK(r.messages[0].type == MessageType::append_response);
  CHECK(r.entries.size() == 1);
}

TEST_CASE("a proposal on a follower is refused with the leader's id", "[raft]") {
  Harness h(3);
  h.elect(1);
  Result<std::uint64_t> r = h.raft(2).propose({"x"}, 0);
  CHECK(r.status().code == ErrorCode::unavailable);
  CHECK_THAT(r.status().message, Catch::Contains(Harness::id(1).hex()));
}

TEST_CASE("a lost append is sent again after the next heartbeat", "[raft]") {
  Harness h(2);
  h.elect(1);
  h.isolate(2);
  const std::uint64_t index = *h.raft(1).propose({"x"}, 0);
  h.settle();  // the append is dropped
  h.heal();
  h.tick(1);  // heartbeat, its answer, and the append again
  CHECK(h.raft(2).log().last_index() == index);
  CHECK(h.raft(1).log().committed() == index);
}

}  // namespace desaster::raft::sim

namespace desaster::raft::sim {

TEST_CASE("a new leader stamps its first entry with the latest time it was given", "[raft]") {
  RaftConfig config;
  config.term_start_op = "start";
  Harness h(1, 0, 0, config);
  h.raft(1).tick(1'750'000'000'000);
  h.elect(1);
  REQUIRE(h.node(1).applied.size() == 1);
  CHECK(h.node(1).applied[0].timestamp == 1'750'000'000'000);
}

}  // namespace desaster::raft::sim
