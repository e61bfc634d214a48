#include <catch2/catch.hpp>

#include "core/cluster/voter_reach.hpp"

using namespace desaster;
using namespace desaster::raft;

namespace {
NodeId id(std::uint64_t n) {
  return NodeId{0, n};
}
}  // namespace

TEST_CASE("a voter counts itself and the voters heard within the window", "[raft][reach]") {
  ConfState conf{{id(1), id(2), id(3), id(4), id(5)}, {id(6)}};
  std::map<NodeId, TimeMs> heard{{id(2), 9'500}, {id(3), 5'000}, {id(6), 10'000}};
  const VoterReach reach = voter_reach(conf, id(1), heard, 10'000, 1'000);
  CHECK(reach.voters == 5);
  CHECK(reach.reachable == 2);  // itself and 2; 3 is stale, 4 and 5 never heard, 6 a learner
  CHECK_FALSE(reach.majority());
  CHECK(no_majority_reason(reach) ==
        "this node cannot reach a majority of the voters (2 of 5 reachable)");
}

TEST_CASE("three of five voters reachable are a majority", "[raft][reach]") {
  ConfState conf{{id(1), id(2), id(3), id(4), id(5)}, {}};
  std::map<NodeId, TimeMs> heard{{id(2), 10'000}, {id(3), 10'200}};  // 3 is stamped ahead
  CHECK(voter_reach(conf, id(1), heard, 10'000, 1'000).majority());
}

TEST_CASE("a learner does not count itself among the voters it reaches", "[raft][reach]") {
  ConfState conf{{id(1)}, {id(2)}};
  const VoterReach reach = voter_reach(conf, id(2), {}, 10'000, 1'000);
  CHECK(reach.reachable == 0);
  CHECK(reach.voters == 1);
  CHECK_FALSE(reach.majority());
}
