// A node whose wall clock is 30 s ahead (issue 19), started under Debian's
// libfaketime: its workers serve whether it follows or leads, jobs with a
// timeout are not expired early by the skew, and a scheduled job runs early
// by no more than the skew between the node that took the enqueue (which
// fixes run_at on its clock) and the leader (which promotes it on its own).
#include <catch2/catch.hpp>

#include <time.h>

#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/cluster/harness/cluster_jobs.hpp"

namespace desaster::test {

namespace {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr int kSkewed = 2;
constexpr std::int64_t kSkewMs = 30'000;

// Runs 12 one-second jobs with a 5 s timeout through `via`; every one
// succeeds at its first attempt (no lease expired early) and every node's
// workers run some.
void run_batch(const TestNetwork& net, const Nodes& nodes, int via) {
  std::set<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    std::string id;
    wait_until(
        [&] {
          CommandResult r =
              ctl(net, via, via, {"enqueue", "--timeout", "5s", "--sh", "--", "sleep 1"});
          if (r.exit_status == 0) id = trim(r.out);
          return r.exit_status == 0;
        },
        seconds(20));
    REQUIRE(!id.empty());
    ids.insert(id);
  }
  std::vector<jobs::JobRow> rows;
  const bool done = wait_until(
      [&] {
        const int leader = leader_of(nodes);
        if (leader < 0) return false;
        rows = jobs::list(net, leader);
        return jobs::count_state(rows, ids, "succeeded") == ids.size();
      },
      seconds(40));
  if (!done) dump_logs(nodes);
  REQUIRE(done);
  std::map<std::string, int> by_node;
  for (const jobs::JobRow& j : rows) {
    if (!ids.count(j.id)) continue;
    ++by_node[j.node];
    INFO("job " << j.id);
    CHECK(j.attempts == 1);
  }
  for (const auto& node : nodes) {
    INFO(node->log());
    CHECK(by_node[node_id_of(*node)] > 0);
  }
}

// How far ahead of the true clock a log's first line is dated (its lines
// begin "2026-12-07T13:15:31.825Z").
std::int64_t log_ahead_ms(const std::string& log) {
  std::tm tm{};
  if (log.size() < 19 || ::strptime(log.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr)
    return 0;
  const std::int64_t dated = static_cast<std::int64_t>(::timegm(&tm)) * 1000;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  return dated - now;
}

// Kills (-9) and restarts the leader until the skewed node leads or
// (skewed false) another does; each election is a coin toss between the
// two that stayed. Returns the leader.
int lead(const Nodes& nodes, int leader, bool skewed) {
  REQUIRE(leader >= 0);
  for (int tries = 0; tries < 12 && (leader == kSkewed) != skewed; ++tries) {
    nodes[leader]->kill9();
    int next = -1;
    const bool elected = wait_until([&] { return (next = leader_of(nodes)) >= 0; }, seconds(15));
    if (!elected) dump_logs(nodes);
    REQUIRE(elected);
    INFO(nodes[leader]->log());
    REQUIRE(nodes[leader]->start());
    leader = next;
  }
  REQUIRE((leader == kSkewed) == skewed);
  return leader;
}

std::int64_t number_in(const std::string& json, const std::string& key) {
  return std::stoll("0" + jobs::field(json, key));
}

}  // namespace

TEST_CASE("a node with its wall clock 30 s ahead serves jobs as follower and as leader",
          "[cluster][faults]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(clustered_node(net, dir.path(), i, {"-j", "2"},
                                   i == kSkewed ? wall_clock_ahead(static_cast<int>(kSkewMs / 1000))
                                                : std::vector<std::string>{}));
    INFO(nodes.back()->log());
    REQUIRE(nodes.back()->start());
  }
  {
    // The wrapper took: the skewed node dates its log lines 30 s ahead.
    INFO(nodes[kSkewed]->log());
    CHECK(log_ahead_ms(nodes[kSkewed]->log()) > 20'000);
    CHECK(log_ahead_ms(nodes[0]->log()) < 10'000);
  }
  const bool formed = wait_until([&] { return all_voters(nodes); }, seconds(20));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  // A node with a true clock leads first.
  int leader = lead(nodes, leader_of(nodes), false);
  const bool ready =
      wait_until([&] { return all_voters(nodes) && jobs::all_workers_registered(nodes, leader); },
                 seconds(15));
  if (!ready) dump_logs(nodes);
  REQUIRE(ready);
  run_batch(net, nodes, (kSkewed + 1) % 3);
  // run_at is fixed on the clock of the leader that takes the enqueue.
  const int entry = (kSkewed + 1) % 3;
  CommandResult r = ctl(net, entry, entry, {"enqueue", "--in", "35s", "--sh", "--", "true"});
  REQUIRE(r.exit_status == 0);
  const std::string scheduled = trim(r.out);
  const auto enqueued = Clock::now();

  // The skewed node leads next.
  leader = lead(nodes, leader, true);
  REQUIRE(leader == kSkewed);
  const bool registered =
      wait_until([&] { return all_voters(nodes) && jobs::all_workers_registered(nodes, leader); },
                 seconds(15));
  if (!registered) dump_logs(nodes);
  REQUIRE(registered);
  run_batch(net, nodes, (kSkewed + 1) % 3);

  // The job due in 35 s by the first leader's clock runs on the skewed
  // leader's: early in true time, by the skew at most, never early by the
  // clock of the leader that promotes it.
  std::string job;
  const bool ran = wait_until(
      [&] {
        CommandResult shown = ctl(net, leader, leader, {"--json", "job", scheduled});
        job = shown.out;
        return jobs::field(job, "state") == "succeeded";
      },
      seconds(40));
  INFO(job);
  REQUIRE(ran);
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - enqueued);
  CHECK(number_in(job, "started_at") >= number_in(job, "run_at"));
  CHECK(waited.count() >= 35'000 - kSkewMs);
  WARN("a job due in 35 s (by the leader that took it) ran after "
       << waited.count() << " ms, the skewed node leading");
}

}  // namespace desaster::test
