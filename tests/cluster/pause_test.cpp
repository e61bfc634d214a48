// A node stopped with SIGSTOP for longer than the worker timeout and then
// continued, as an operator's bad day or a frozen VM does it (issue 19):
// its workers serve again, a woken leader decides nothing in its old term,
// and the runs the pause overlapped are counted as duplicate runs.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/cluster/harness/cluster_jobs.hpp"

namespace desaster::test {

namespace {

using std::chrono::seconds;

// The fault itself is a duration: the pause must outlast the worker
// timeout (5 s) and an election timeout (1-2 s).
constexpr auto kPause = seconds(6);

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Runs jobs through `entry` until they all succeed; returns the rows of `ids`.
std::vector<jobs::JobRow> wait_succeeded(const TestNetwork& net, const Nodes& nodes, int entry,
                                         const std::set<std::string>& ids) {
  std::vector<jobs::JobRow> rows;
  const bool done = wait_until(
      [&] {
        rows = jobs::list(net, entry);
        return jobs::count_state(rows, ids, "succeeded") == ids.size();
      },
      seconds(90));
  if (!done) dump_logs(nodes);
  REQUIRE(done);
  return rows;
}

}  // namespace

TEST_CASE("a follower paused for 6 s serves again after SIGCONT and its overlapped runs count",
          "[cluster][faults]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  int leader = -1;
  Nodes nodes = jobs::formed_cluster(net, dir, leader);
  const int paused = (leader + 1) % 3;
  const std::string paused_id = node_id_of(*nodes[paused]);
  const std::string registered_from = "registered from node " + paused_id.substr(0, 8);

  std::set<std::string> all;
  for (int i = 0; i < 12; ++i) all.insert(jobs::enqueue(net, leader, "sleep 3"));
  std::vector<jobs::JobRow> held;
  REQUIRE(wait_until(
      [&] {
        held = jobs::list(net, leader, {"--state", "running", "--node", paused_id});
        return !held.empty();
      },
      seconds(10)));
  const std::size_t registrations = count_of(nodes[leader]->log(), registered_from);
  nodes[paused]->signal(SIGSTOP);
  std::this_thread::sleep_for(kPause);
  nodes[paused]->signal(SIGCONT);

  // The leader dropped the silent workers meanwhile; the woken node's relay
  // registers them again (it did not forget them itself: it was paused).
  const bool again = wait_until(
      [&] { return count_of(nodes[leader]->log(), registered_from) > registrations; }, seconds(5));
  if (!again) dump_logs(nodes);
  REQUIRE(again);
  CHECK(has(*nodes[leader], "lost (silent for"));
  CHECK_FALSE(has(*nodes[paused], "silent; forgotten"));
  CHECK(has(*nodes[paused], "did not run for"));

  std::set<std::string> after;
  for (int i = 0; i < 18; ++i) after.insert(jobs::enqueue(net, leader, "sleep 1"));
  all.insert(after.begin(), after.end());
  std::vector<jobs::JobRow> rows = wait_succeeded(net, nodes, leader, all);

  std::size_t after_on_paused = 0;
  for (const jobs::JobRow& j : rows) after_on_paused += after.count(j.id) && j.node == paused_id;
  INFO(nodes[paused]->log());
  CHECK(after_on_paused > 0);
  // The runs the pause overlapped were released (charged) and ran again;
  // their late reports are counted, not refused as from an unknown worker.
  for (const jobs::JobRow& h : held) {
    for (const jobs::JobRow& j : rows) {
      if (j.id != h.id) continue;
      INFO("job " << j.id << " attempts " << j.attempts << " duplicate_runs " << j.duplicate_runs);
      CHECK(j.attempts >= 2);
      CHECK(j.duplicate_runs >= 1);
    }
  }
}

TEST_CASE("a leader paused for 6 s decides nothing in its old term and serves the new leader",
          "[cluster][faults]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  int old_leader = -1;
  Nodes nodes = jobs::formed_cluster(net, dir, old_leader);
  const std::string old_id = node_id_of(*nodes[old_leader]);

  std::set<std::string> all;
  for (int i = 0; i < 6; ++i) all.insert(jobs::enqueue(net, old_leader, "sleep 4"));
  std::vector<jobs::JobRow> held;
  REQUIRE(wait_until(
      [&] {
        held = jobs::list(net, old_leader, {"--state", "running", "--node", old_id});
        return !held.empty();
      },
      seconds(10)));
  nodes[old_leader]->signal(SIGSTOP);
  const auto stopped = std::chrono::steady_clock::now();
  int leader = -1;
  const bool elected = wait_until(
      [&] {
        for (int i : leaders_of(nodes))
          if (i != old_leader) leader = i;
        return leader >= 0;
      },
      seconds(15));
  if (!elected) dump_logs(nodes);
  REQUIRE(elected);
  std::this_thread::sleep_until(stopped + kPause);
  nodes[old_leader]->signal(SIGCONT);

  const bool deposed = wait_until(
      [&] {
        const std::vector<int> leaders = leaders_of(nodes);
        return leaders == std::vector<int>{leader};
      },
      seconds(5));
  if (!deposed) dump_logs(nodes);
  REQUIRE(deposed);
  // Woken, it did not drop its own workers as silent nor release their jobs.
  INFO(nodes[old_leader]->log());
  CHECK_FALSE(has(*nodes[old_leader], "lost (silent"));
  CHECK_FALSE(has(*nodes[old_leader], "releasing"));

  // Its workers register with the new leader and run jobs again.
  const bool registered =
      wait_until([&] { return has(*nodes[leader], "registered from node " + old_id.substr(0, 8)); },
                 seconds(5));
  if (!registered) dump_logs(nodes);
  REQUIRE(registered);
  std::set<std::string> after;
  for (int i = 0; i < 18; ++i) after.insert(jobs::enqueue(net, leader, "sleep 1"));
  all.insert(after.begin(), after.end());
  std::vector<jobs::JobRow> rows = wait_succeeded(net, nodes, leader, all);
  std::size_t after_on_old = 0;
  for (const jobs::JobRow& j : rows) after_on_old += after.count(j.id) && j.node == old_id;
  CHECK(after_on_old > 0);
  for (const jobs::JobRow& h : held) {
    for (const jobs::JobRow& j : rows) {
      if (j.id != h.id) continue;
      INFO("job " << j.id << " attempts " << j.attempts << " duplicate_runs " << j.duplicate_runs);
      CHECK(j.duplicate_runs >= 1);  // its run under the old term was reported and counted
    }
  }
}

}  // namespace desaster::test
