// The autopilot's decisions: who bootstraps a cluster, who joins, who
// votes, and who is replaced.
#include <catch2/catch.hpp>

#include "core/cluster/autopilot.hpp"

namespace desaster::raft {

namespace {

NodeId n(std::uint64_t i) {
  return NodeId::from_u64(i);
}

// A leader (n1) at `now` that heard every member just now, all caught up.
AutopilotInput leader_view(std::set<NodeId> voters, std::set<NodeId> learners = {}) {
  AutopilotInput in;
  in.self = n(1);
  in.conf.voters = std::move(voters);
  in.conf.learners = std::move(learners);
  in.now = 100'000;
  in.last_index = 50;
  for (const NodeId& id : in.conf.voters) {
    in.discovered.insert(id);
    in.last_heard[id] = in.now;
    in.match[id] = 50;
  }
  for (const NodeId& id : in.conf.learners) {
    in.discovered.insert(id);
    in.last_heard[id] = in.now;
    in.match[id] = 50;
  }
  in.discovered.erase(n(1));
  return in;
}

}  // namespace

TEST_CASE("a fresh node bootstraps only after the discovery period, alone or lowest",
          "[autopilot]") {
  BootstrapInput in;
  in.self = n(5);
  in.waited_ms = 1000;
  CHECK_FALSE(should_bootstrap(in));  // still listening for peers
  in.waited_ms = 3000;
  CHECK(should_bootstrap(in));  // nobody out there
  in.peers = {{n(7), false}, {n(9), false}};
  CHECK(should_bootstrap(in));  // the lowest id of fresh nodes
  in.peers.push_back({n(3), false});
  CHECK_FALSE(should_bootstrap(in));  // n3 will
}

TEST_CASE("a fresh node never bootstraps beside an existing cluster", "[autopilot]") {
  BootstrapInput in;
  in.self = n(1);
  in.waited_ms = 60'000;
  in.peers = {{n(7), true}};
  CHECK_FALSE(should_bootstrap(in));  // a member says so in its beacons
  in.peers.clear();
  in.heard_leader = true;
  CHECK_FALSE(should_bootstrap(in));  // a leader already talks to it
  in.heard_leader = false;
  in.fresh = false;
  CHECK_FALSE(should_bootstrap(in));  // it has been in a cluster
}

TEST_CASE("the leader adds a peer found by beacon as a learner", "[autopilot]") {
  AutopilotInput in = leader_view({n(1)});
  in.discovered.insert(n(2));
  auto change = next_conf_change(in);
  REQUIRE(change);
  CHECK(*change == ConfChange{ConfChangeType::add_learner, n(2)});
}

TEST_CASE("two nodes stay one voter and one learner, three become three voters", "[autopilot]") {
  CHECK_FALSE(next_conf_change(leader_view({n(1)}, {n(2)})));
  auto change = next_conf_change(leader_view({n(1)}, {n(2), n(3)}));
  REQUIRE(change);
  CHECK(*change == ConfChange{ConfChangeType::promote, n(2)});
  change = next_conf_change(leader_view({n(1), n(2)}, {n(3)}));
  REQUIRE(change);
  CHECK(*change == ConfChange{ConfChangeType::promote, n(3)});
  CHECK_FALSE(next_conf_change(leader_view({n(1), n(2), n(3)})));
}

TEST_CASE("voters stop at five", "[autopilot]") {
  CHECK_FALSE(next_conf_change(leader_view({n(1), n(2), n(3), n(4), n(5)}, {n(6), n(7)})));
}

TEST_CASE("a learner that lags or is silent is not promoted", "[autopilot]") {
  AutopilotInput in = leader_view({n(1)}, {n(2), n(3)});
  in.match[n(2)] = 0;
  in.last_index = 5000;
  in.match[n(3)] = 5000;
  in.last_heard[n(3)] = in.now - 10'000;
  CHECK_FALSE(next_conf_change(in));
}

TEST_CASE("a voter silent past the timeout is replaced by a learner", "[autopilot]") {
  AutopilotInput in = leader_view({n(1), n(2), n(3)}, {n(4)});
  in.last_heard[n(3)] = in.now - 31'000;
  auto change = next_conf_change(in);
  REQUIRE(change);
  CHECK(*change == ConfChange{ConfChangeType::promote, n(4)});  // 3 -> 4 voters first
  in.conf.learners.clear();
  in.conf.voters.insert(n(4));
  change = next_conf_change(in);
  REQUIRE(change);
  CHECK(*change == ConfChange{ConfChangeType::remove, n(3)});  // then 4 -> 3
}

TEST_CASE("a silent voter with nobody to replace it stays a voter", "[autopilot]") {
  AutopilotInput in = leader_view({n(1), n(2), n(3)});
  in.last_heard[n(3)] = in.now - 31'000;
  CHECK_FALSE(next_conf_change(in));
  in.last_heard[n(3)] = in.now - 29'000;
  CHECK_FALSE(next_conf_change(in));
}

TEST_CASE("a learner silent past the timeout is removed", "[autopilot]") {
  AutopilotInput in = leader_view({n(1)}, {n(2)});
  in.last_heard[n(2)] = in.now - 31'000;
  auto change = next_conf_change(in);
  REQUIRE(change);
  CHECK(*change == ConfChange{ConfChangeType::remove, n(2)});
}

TEST_CASE("a restarting node's membership is the last one its log says", "[autopilot]") {
  auto entry = [](std::uint64_t index, ConfChange change) {
    return LogEntry{1, index, 0, encode_conf_change(change), EntryKind::config_change};
  };
  std::vector<LogEntry> log{
      entry(1, {ConfChangeType::promote, n(1)}),     LogEntry{1, 2, 0, "op", EntryKind::op},
      entry(3, {ConfChangeType::add_learner, n(2)}), entry(4, {ConfChangeType::add_learner, n(3)}),
      entry(5, {ConfChangeType::promote, n(2)}),     entry(6, {ConfChangeType::remove, n(3)})};
  ConfState conf = conf_after({}, log);
  CHECK(conf.voters == std::set<NodeId>{n(1), n(2)});
  CHECK(conf.learners.empty());
}

}  // namespace desaster::raft
