// Dispatch across a cluster: every node's shell pool gets jobs from the
// leader through its node's relay, a follower killed with jobs on it loses
// none of them, and after kill -9 of the leader the survivors' workers are
// registered with the new leader and keep running jobs. A job a follower
// still runs when a new leader leases it to that follower again runs once
// and gives back every slot.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/cluster/harness/cluster_catch.hpp"

namespace desaster::test {

namespace {

using std::chrono::seconds;

struct JobRow {
  std::string id;
  std::string state;
  std::string node;
  int attempts = 0;
  int duplicate_runs = 0;
};

std::string field(const std::string& chunk, const std::string& key) {
  std::smatch m;
  const std::regex text("\"" + key + "\":\"([^\"]*)\"");
  if (std::regex_search(chunk, m, text)) return m[1];
  const std::regex number("\"" + key + "\":([0-9]+)");
  if (std::regex_search(chunk, m, number)) return m[1];
  return {};
}

// The jobs a node lists (its replica), from `jobs --json`.
std::vector<JobRow> list_jobs(const TestNetwork& net, int node,
                              std::vector<std::string> filter = {}) {
  std::vector<std::string> args{"jobs", "--limit", "10000", "--json"};
  args.insert(args.end(), filter.begin(), filter.end());
  CommandResult r = ctl(net, node, node, args);
  std::vector<JobRow> jobs;
  if (r.exit_status != 0) return jobs;
  const std::string marker = "{\"id\":\"";
  std::size_t at = r.out.find(marker);
  while (at != std::string::npos) {
    const std::size_t next = r.out.find(marker, at + 1);
    const std::string chunk = r.out.substr(at, next == std::string::npos ? next : next - at);
    JobRow row;
    row.id = field(chunk, "id");
    row.state = field(chunk, "state");
    row.node = field(chunk, "node");
    row.attempts = std::stoi("0" + field(chunk, "attempts"));
    row.duplicate_runs = std::stoi("0" + field(chunk, "duplicate_runs"));
    jobs.push_back(row);
    at = next;
  }
  return jobs;
}

// Enqueues through `node` (a follower forwards), retrying while the
// cluster cannot acknowledge; returns the job's id.
std::string enqueue(const TestNetwork& net, int node, const std::string& command) {
  std::string id;
  wait_until(
      [&] {
        CommandResult r = ctl(net, node, node, {"enqueue", "--sh", "--", command});
        if (r.exit_status == 0) id = trim(r.out);
        return r.exit_status == 0;
      },
      seconds(20));
  return id;
}

// Every node's shell pool is registered with the leader (its log says so).
bool all_workers_registered(const Nodes& nodes, int leader) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (static_cast<int>(i) == leader || !nodes[i]->running()) continue;
    if (!has(*nodes[leader], "registered from node " + node_id_of(*nodes[i]).substr(0, 8)))
      return false;
  }
  return true;
}

Nodes formed_cluster(const TestNetwork& net, const TempDir& dir, int& leader) {
  Nodes nodes = start_cluster(net, dir);
  const bool formed = wait_until([&] { return all_voters(nodes); }, seconds(20));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  leader = leader_of(nodes);
  REQUIRE(leader >= 0);
  const bool registered =
      wait_until([&] { return all_workers_registered(nodes, leader); }, seconds(10));
  if (!registered) dump_logs(nodes);
  REQUIRE(registered);
  return nodes;
}

std::size_t count_state(const std::vector<JobRow>& jobs, const std::set<std::string>& ids,
                        const std::string& state) {
  std::size_t n = 0;
  for (const JobRow& j : jobs) n += ids.count(j.id) && j.state == state;
  return n;
}

}  // namespace

TEST_CASE("the shell pools of all three nodes run a cluster's jobs, each job once",
          "[cluster][dispatch]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  int leader = -1;
  Nodes nodes = formed_cluster(net, dir, leader);

  std::set<std::string> ids;
  for (int i = 0; i < 60; ++i) {
    const std::string id = enqueue(net, i % 3, "sleep 1; echo " + std::to_string(i));
    REQUIRE(!id.empty());
    ids.insert(id);
  }
  std::vector<JobRow> jobs;
  const bool done = wait_until(
      [&] {
        jobs = list_jobs(net, leader);
        return count_state(jobs, ids, "succeeded") == ids.size();
      },
      seconds(60));
  if (!done) dump_logs(nodes);
  REQUIRE(done);

  std::map<std::string, int> by_node;
  for (const JobRow& j : jobs) {
    if (!ids.count(j.id)) continue;
    ++by_node[j.node];
    CHECK(j.attempts == 1);
    CHECK(j.duplicate_runs == 0);
  }
  std::string logs;
  for (const auto& node : nodes) logs += node->log();
  for (const auto& node : nodes) {
    INFO(logs);
    CHECK(by_node[node_id_of(*node)] > 0);
  }
  WARN("60 jobs over 3 nodes: " << by_node[node_id_of(*nodes[0])] << ", "
                                << by_node[node_id_of(*nodes[1])] << ", "
                                << by_node[node_id_of(*nodes[2])]);

  // jobs_run_by_node (replicated) names all three, on a follower too.
  CommandResult resources = ctl(net, (leader + 1) % 3, (leader + 1) % 3, {"resources", "--json"});
  REQUIRE(resources.exit_status == 0);
  for (const auto& node : nodes)
    CHECK_THAT(resources.out, Catch::Contains("\"node\":\"" + node_id_of(*node) + "\""));
  // The leader's `nodes` shows each node's free slots (2 each, all idle).
  CommandResult listed = ctl(net, leader, leader, {"nodes", "--json"});
  REQUIRE(listed.exit_status == 0);
  CHECK(std::count(listed.out.begin(), listed.out.end(), '}') >= 3);
  std::size_t free_two = 0;
  for (auto at = listed.out.find("\"free_slots\":2"); at != std::string::npos;
       at = listed.out.find("\"free_slots\":2", at + 1))
    ++free_two;
  CHECK(free_two == 3);
  // ... and each node's load average, which desasterctl asks of each node.
  std::size_t loads = 0;
  for (auto at = listed.out.find("\"load1\":"); at != std::string::npos;
       at = listed.out.find("\"load1\":", at + 1))
    ++loads;
  CHECK(loads == 3);
}

TEST_CASE("jobs running on a follower killed with kill -9 complete on the other nodes",
          "[cluster][dispatch]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  int leader = -1;
  Nodes nodes = formed_cluster(net, dir, leader);
  const int victim = (leader + 1) % 3;
  const std::string victim_id = node_id_of(*nodes[victim]);

  std::set<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.insert(enqueue(net, leader, "sleep 3"));
  std::vector<JobRow> on_victim;
  REQUIRE(wait_until(
      [&] {
        on_victim = list_jobs(net, leader, {"--state", "running", "--node", victim_id});
        return !on_victim.empty();
      },
      seconds(10)));
  nodes[victim]->kill9();

  std::vector<JobRow> jobs;
  const bool done = wait_until(
      [&] {
        jobs = list_jobs(net, leader);
        return count_state(jobs, ids, "succeeded") == ids.size();
      },
      seconds(60));
  if (!done) dump_logs(nodes);
  REQUIRE(done);
  for (const JobRow& held : on_victim) {
    for (const JobRow& j : jobs) {
      if (j.id != held.id) continue;
      CHECK(j.state == "succeeded");
      CHECK(j.node != victim_id);
      CHECK(j.attempts == 2);  // the lost run was charged, as for a silent worker
    }
  }
  CHECK(has(*nodes[leader], "lost (silent for"));
}

TEST_CASE(
    "after kill -9 of the leader the survivors' workers get jobs from the new leader and "
    "every acknowledged job completes",
    "[cluster][dispatch]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  int old_leader = -1;
  Nodes nodes = formed_cluster(net, dir, old_leader);
  const int entry = (old_leader + 1) % 3;

  // Each run appends its token to a file the namespaces share, so runs the
  // state never heard of (reported to a dead leader) are counted too.
  const std::string runs = dir.path() + "/runs";
  std::map<std::string, std::string> token_of;  // job id -> token
  std::set<std::string> before;
  for (int i = 0; i < 30; ++i) {
    const std::string token = "b" + std::to_string(i);
    const std::string id = enqueue(net, entry, "sleep 3; echo " + token + " >> " + runs);
    before.insert(id);
    token_of[id] = token;
  }
  REQUIRE(wait_until(
      [&] {
        return list_jobs(net, entry, {"--state", "running"}).size() >= 4;
      },
      seconds(10)));
  nodes[old_leader]->kill9();
  REQUIRE(wait_until([&] { return leader_of(nodes) >= 0; }, seconds(10)));
  const int leader = leader_of(nodes);
  const int other = 3 - old_leader - leader;

  std::set<std::string> after;
  for (int i = 0; i < 30; ++i) {
    const std::string token = "a" + std::to_string(i);
    const std::string id =
        // 1 s each: the other node alone needs 15 s for them, so the new
        // leader's workers, busy at most 3 s with older terms' runs, get
        // some however fast the other node drains (0.2 s made that a race).
        enqueue(net, i % 2 ? leader : other, "sleep 1; echo " + token + " >> " + runs);
    after.insert(id);
    token_of[id] = token;
  }
  std::set<std::string> all = before;
  all.insert(after.begin(), after.end());
  REQUIRE(all.size() == 60);
  std::vector<JobRow> jobs;
  const bool done = wait_until(
      [&] {
        jobs = list_jobs(net, leader);
        return count_state(jobs, all, "succeeded") == all.size();
      },
      seconds(90));
  if (!done) dump_logs(nodes);
  REQUIRE(done);

  std::map<std::string, int> ran;  // token -> runs that finished
  {
    std::ifstream in(runs);
    for (std::string token; in >> token;) ++ran[token];
  }
  std::map<std::string, int> after_by_node;
  int ran_twice = 0;
  int counted_duplicates = 0;
  for (const JobRow& j : jobs) {
    if (!all.count(j.id)) continue;
    if (after.count(j.id)) ++after_by_node[j.node];
    const int runs_seen = ran[token_of[j.id]];
    INFO("job " << j.id << " (" << token_of[j.id] << ") ran " << runs_seen
                << " times; the state counts " << j.duplicate_runs << " duplicate runs");
    CHECK(runs_seen >= 1);
    // A late report of an older term's lease is counted once, as a duplicate.
    CHECK(j.duplicate_runs + 1 <= runs_seen);
    ran_twice += runs_seen > 1;
    counted_duplicates += j.duplicate_runs;
  }
  CHECK(after_by_node[node_id_of(*nodes[leader])] > 0);
  CHECK(after_by_node[node_id_of(*nodes[other])] > 0);  // registered again, with the new leader
  CHECK(after_by_node[node_id_of(*nodes[old_leader])] == 0);
  WARN("after kill -9 of the leader: " << ran_twice << " of " << all.size()
                                       << " jobs ran more than once; the state counted "
                                       << counted_duplicates << " duplicate runs");
}

TEST_CASE(
    "a job a follower still runs from the dead leader's term, leased to it again by the new "
    "leader, runs once and gives its slot back",
    "[cluster][dispatch]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  int old_leader = -1;
  Nodes nodes = formed_cluster(net, dir, old_leader);
  const int runner = (old_leader + 1) % 3;
  const std::string runner_id = node_id_of(*nodes[runner]);

  // Pinned, so the new leader can lease it only to the node that runs it.
  const std::string runs = dir.path() + "/runs";
  std::string id;
  REQUIRE(wait_until(
      [&] {
        CommandResult r =
            ctl(net, runner, runner,
                {"enqueue", "--pin-node", runner_id, "--sh", "--", "sleep 6; echo ran >> " + runs});
        if (r.exit_status == 0) id = trim(r.out);
        return r.exit_status == 0;
      },
      seconds(20)));
  REQUIRE(wait_until(
      [&] {
        return list_jobs(net, runner, {"--state", "running"}).size() == 1;
      },
      seconds(10)));
  nodes[old_leader]->kill9();
  int leader = -1;
  REQUIRE(wait_until([&] { return (leader = leader_of(nodes)) >= 0; }, seconds(15)));

  std::vector<JobRow> jobs;
  const auto state_of = [&] {
    jobs = list_jobs(net, leader);
    for (const JobRow& j : jobs)
      if (j.id == id) return j.state;
    return std::string();
  };
  const bool done = wait_until([&] { return state_of() == "succeeded"; }, seconds(30));
  if (!done) dump_logs(nodes);
  REQUIRE(done);
  int lines = 0;
  {
    std::ifstream in(runs);
    for (std::string line; std::getline(in, line);) ++lines;
  }
  CHECK(lines == 1);  // the new lease took over the run; no second one

  // The new leader sees both of the runner's slots free again.
  long free_slots = -1;
  const bool freed = wait_until(
      [&] {
        CommandResult r = ctl(net, leader, leader, {"nodes", "--json"});
        auto doc = nlohmann::json::parse(r.out, nullptr, false);
        if (doc.is_discarded() || !doc.contains("nodes")) return false;
        for (const auto& n : doc["nodes"])
          if (n.value("node", "") == runner_id) free_slots = n.value("free_slots", -1L);
        return free_slots == 2;
      },
      seconds(10));
  INFO("the leader counts " << free_slots << " free slots on the runner");
  if (!freed) dump_logs(nodes);
  CHECK(freed);
}

}  // namespace desaster::test
