// Cron across a three-node cluster: an every-second entry (--missed all)
// keeps firing while its leader is killed with kill -9 again and again, and
// every instant from its first fire to its last made exactly one job: none
// skipped by the elections, none made twice by a new leader re-proposing
// what the old one had proposed.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <regex>
#include <string>

#include "tests/cluster/harness/cluster_catch.hpp"

namespace desaster::test {

namespace {

using std::chrono::seconds;

// Jobs per instant of the entry, from the unique keys `jobs --json` lists.
std::map<long long, int> fires_of(const TestNetwork& net, int node, const std::string& entry) {
  std::map<long long, int> out;
  CommandResult r =
      ctl(net, node, node, {"jobs", "--queue", "crontick", "--limit", "10000", "--json"}, "10s");
  const std::regex key("\"unique\":\"cron:" + entry + "@([0-9]+)\"");
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), key);
       it != std::sregex_iterator(); ++it) {
    ++out[std::stoll((*it)[1])];
  }
  return out;
}

}  // namespace

TEST_CASE("an every-second cron entry fires each instant exactly once across kill -9 of leaders",
          "[cluster][cron]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes = start_cluster(net, dir);
  const bool formed =
      wait_until([&] { return all_voters(nodes) && leader_of(nodes) >= 0; }, seconds(30));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  REQUIRE(wait_until(
      [&] {
        const int via = (leader_of(nodes) + 1) % 3;  // a follower forwards it
        return ctl(net, via, via,
                   {"cron", "add", "tick", "@every 1s", "--missed", "all", "--queue", "crontick",
                    "--", "true"})
                   .exit_status == 0;
      },
      seconds(20)));

  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    const int leader = leader_of(nodes);
    REQUIRE(leader >= 0);
    // A few instants under this leader first.
    const std::size_t before = fires_of(net, leader, "tick").size();
    REQUIRE(wait_until([&] { return fires_of(net, leader, "tick").size() >= before + 2; },
                       seconds(20)));
    nodes[leader]->kill9();
    const bool elected = wait_until(
        [&] {
          const int l = leader_of(nodes);
          return l >= 0 && l != leader;
        },
        seconds(20));
    if (!elected) dump_logs(nodes);
    REQUIRE(elected);
    INFO(nodes[leader]->log());
    REQUIRE(nodes[leader]->start());  // back as a follower of the new leader
  }
  const int leader = leader_of(nodes);
  REQUIRE(leader >= 0);
  const std::size_t before = fires_of(net, leader, "tick").size();
  REQUIRE(
      wait_until([&] { return fires_of(net, leader, "tick").size() >= before + 2; }, seconds(20)));
  REQUIRE(wait_until(
      [&] {
        return ctl(net, leader, leader, {"cron", "remove", "tick"}).exit_status == 0;
      },
      seconds(20)));

  std::map<long long, int> fires;
  // Every node's replica holds the same jobs once it has applied the removal.
  REQUIRE(wait_until(
      [&] {
        fires = fires_of(net, leader, "tick");
        return !fires.empty();
      },
      seconds(10)));
  const long long first = fires.begin()->first;
  const long long last = fires.rbegin()->first;
  int doubles = 0;
  int skipped = 0;
  for (long long t = first; t <= last; t += 1000) {
    auto it = fires.find(t);
    if (it == fires.end()) {
      ++skipped;
    } else if (it->second > 1) {
      ++doubles;
    }
  }
  WARN("cron across " << kRounds << " kill -9s of the leader: " << fires.size()
                      << " instants fired from " << first << " to " << last << ", " << skipped
                      << " skipped, " << doubles << " fired twice");
  CHECK(fires.size() == static_cast<std::size_t>((last - first) / 1000 + 1));
  CHECK(skipped == 0);
  CHECK(doubles == 0);
  for (const auto& [instant, count] : fires) CHECK(instant % 1000 == 0);
}

}  // namespace desaster::test
