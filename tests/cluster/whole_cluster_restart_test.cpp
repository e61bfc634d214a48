// Every node of a three-node cluster killed with kill -9 at the same moment
// under load, then restarted (issue 19): every acknowledged job is there on
// every node and runs to the end, and a job that ran twice (at least once
// allows it for runs the kill cut short) says so in its record.
#include <catch2/catch.hpp>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/cluster/harness/cluster_jobs.hpp"

namespace desaster::test {

using std::chrono::seconds;

TEST_CASE("kill -9 of every node at once under load and a restart lose no acknowledged job",
          "[cluster][faults]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  int leader = -1;
  constexpr int kSlots = 2;  // formed_cluster's default, per node
  Nodes nodes = jobs::formed_cluster(net, dir, leader);

  // Each run appends its token to a file the namespaces share, so runs the
  // state never heard of (cut short by the kill) are counted too.
  const std::string runs = dir.path() + "/runs";
  std::mutex mutex;
  std::map<std::string, std::string> acknowledged;  // id -> token
  std::atomic<bool> stop{false};
  std::thread client([&] {
    for (int next = 0, via = 0; !stop; via = (via + 1) % 3) {
      const std::string token = "t" + std::to_string(next++);
      CommandResult r =
          ctl(net, via, via, {"enqueue", "--sh", "--", "sleep 0.3; echo " + token + " >> " + runs});
      if (r.exit_status == 0 && !trim(r.out).empty()) {
        std::lock_guard<std::mutex> lock(mutex);
        acknowledged[trim(r.out)] = token;
      }
    }
  });
  auto acked = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return acknowledged.size();
  };
  const bool loaded = wait_until(
      [&] {
        return acked() >= 40 && !jobs::list(net, leader, {"--state", "running"}).empty();
      },
      seconds(30));
  REQUIRE(loaded);

  // All three at once: the signals go out before any is reaped.
  for (const auto& node : nodes) node->signal(SIGKILL);
  for (const auto& node : nodes) node->kill9();
  const std::size_t at_kill = acked();
  // The client keeps trying while nothing runs; those are all refused.
  for (const auto& node : nodes) {
    INFO(node->log());
    REQUIRE(node->start());
  }
  leader = -1;
  const bool elected = wait_until([&] { return (leader = leader_of(nodes)) >= 0; }, seconds(20));
  if (!elected) dump_logs(nodes);
  REQUIRE(elected);
  // A little more load after the restart, then the client stops.
  const bool resumed = wait_until([&] { return acked() >= at_kill + 10; }, seconds(20));
  stop = true;
  client.join();
  if (!resumed) dump_logs(nodes);
  REQUIRE(resumed);

  std::set<std::string> ids;
  for (const auto& [id, token] : acknowledged) ids.insert(id);
  std::vector<jobs::JobRow> rows;
  const bool done = wait_until(
      [&] {
        const int now_leader = leader_of(nodes);
        if (now_leader < 0) return false;
        rows = jobs::list(net, now_leader);
        return jobs::count_state(rows, ids, "succeeded") == ids.size();
      },
      seconds(90));
  if (!done) dump_logs(nodes);
  REQUIRE(done);

  // Every node's replica has every acknowledged job, succeeded.
  for (int i = 0; i < 3; ++i) {
    const bool same = wait_until(
        [&] { return jobs::count_state(jobs::list(net, i), ids, "succeeded") == ids.size(); },
        seconds(20));
    INFO("node " << i);
    CHECK(same);
  }

  std::map<std::string, int> ran;
  {
    std::ifstream in(runs);
    for (std::string token; in >> token;) ++ran[token];
  }
  std::map<std::string, const jobs::JobRow*> row_of;
  for (const jobs::JobRow& j : rows) row_of[j.id] = &j;
  std::size_t never_ran = 0;
  std::size_t ran_twice = 0;
  std::size_t off_record = 0;
  for (const auto& [id, token] : acknowledged) {
    never_ran += ran[token] == 0;
    if (ran[token] < 2) continue;
    ++ran_twice;
    // Only a run the kill cut short (leased when it came) runs again. Its
    // record shows it (a cut-short run in its history, or a duplicate run
    // counted) once its lease committed; a lease still on its way to the
    // journal went out before it was durable (invariant 5), and nothing
    // records that run.
    const jobs::JobRow& j = *row_of.at(id);
    off_record += j.runs_recorded < 2 && j.duplicate_runs == 0;
  }
  CHECK(never_ran == 0);
  // At the kill at most every slot of the cluster held a lease.
  CHECK(ran_twice <= static_cast<std::size_t>(3 * kSlots));
  WARN("whole-cluster kill -9 and restart: " << acknowledged.size() << " acknowledged (" << at_kill
                                             << " before the kill), " << never_ran << " lost, "
                                             << ran_twice << " ran twice, " << off_record
                                             << " of them with an uncommitted first lease");
}

}  // namespace desaster::test
