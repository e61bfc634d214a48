// Jobs as several-node tests see them through desasterctl: enqueue through
// any node (retrying while the cluster cannot acknowledge), list a node's
// replica as rows, and form a cluster whose shell pools are all registered
// with the leader. Catch2 helpers (they REQUIRE), header-only.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/cluster/harness/cluster_catch.hpp"

namespace desaster::test::jobs {

struct JobRow {
  std::string id;
  std::string state;
  std::string node;
  int attempts = 0;
  int duplicate_runs = 0;
  int runs_recorded = 0;  // entries of its history (finished or cut-short runs)
};

inline std::string field(const std::string& chunk, const std::string& key) {
  std::smatch m;
  const std::regex text("\"" + key + "\":\"([^\"]*)\"");
  if (std::regex_search(chunk, m, text)) return m[1];
  const std::regex number("\"" + key + "\":([0-9]+)");
  if (std::regex_search(chunk, m, number)) return m[1];
  return {};
}

// The jobs a node lists (its replica), from `jobs --json`.
inline std::vector<JobRow> list(const TestNetwork& net, int node,
                                std::vector<std::string> filter = {}) {
  std::vector<std::string> args{"jobs", "--limit", "10000", "--json"};
  args.insert(args.end(), filter.begin(), filter.end());
  CommandResult r = ctl(net, node, node, args);
  std::vector<JobRow> rows;
  if (r.exit_status != 0) return rows;
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
    for (auto h = chunk.find("\"attempt\":"); h != std::string::npos;
         h = chunk.find("\"attempt\":", h + 1))
      ++row.runs_recorded;
    rows.push_back(row);
    at = next;
  }
  return rows;
}

// Enqueues a shell job through `node`, retrying while the cluster cannot
// acknowledge; returns its id (empty if it never was).
inline std::string enqueue(const TestNetwork& net, int node, const std::string& command) {
  std::string id;
  wait_until(
      [&] {
        CommandResult r = ctl(net, node, node, {"enqueue", "--sh", "--", command});
        if (r.exit_status == 0) id = trim(r.out);
        return r.exit_status == 0;
      },
      std::chrono::seconds(20));
  return id;
}

inline std::size_t count_state(const std::vector<JobRow>& rows, const std::set<std::string>& ids,
                               const std::string& state) {
  std::size_t n = 0;
  for (const JobRow& j : rows) n += ids.count(j.id) && j.state == state;
  return n;
}

// Every other node's shell pool is registered with the leader (its log says so).
inline bool all_workers_registered(const Nodes& nodes, int leader) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (static_cast<int>(i) == leader || !nodes[i]->running()) continue;
    if (!has(*nodes[leader], "registered from node " + node_id_of(*nodes[i]).substr(0, 8)))
      return false;
  }
  return true;
}

inline Nodes formed_cluster(const TestNetwork& net, const TempDir& dir, int& leader) {
  Nodes nodes = start_cluster(net, dir);
  const bool formed = wait_until([&] { return all_voters(nodes); }, std::chrono::seconds(20));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  leader = leader_of(nodes);
  REQUIRE(leader >= 0);
  const bool registered =
      wait_until([&] { return all_workers_registered(nodes, leader); }, std::chrono::seconds(10));
  if (!registered) dump_logs(nodes);
  REQUIRE(registered);
  return nodes;
}

}  // namespace desaster::test::jobs
