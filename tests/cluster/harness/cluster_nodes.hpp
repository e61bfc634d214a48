// Helpers shared by the several-node tests: start a cluster of fresh nodes
// in a TestNetwork, find its leader from the logs, run desasterctl inside a
// node's namespace.
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/cluster/harness/netns.hpp"

namespace desaster::test {

using Nodes = std::vector<std::unique_ptr<NodeProcess>>;

inline std::string node_id_of(const NodeProcess& node) {
  std::ifstream in(node.data_dir() + "/NODE_ID");
  std::string id;
  in >> id;
  return id;
}

inline void require_network() {
  const std::string unavailable = network_namespaces_unavailable();
  INFO(unavailable);
  REQUIRE(unavailable.empty());
}

inline bool has(const NodeProcess& node, const std::string& text) {
  return node.log().find(text) != std::string::npos;
}

// Fresh clustered nodes, one per namespace of net, started together, each
// with `slots` shell slots.
inline Nodes start_cluster(const TestNetwork& net, const TempDir& dir, int slots = 2) {
  Nodes nodes;
  for (int i = 0; i < net.size(); ++i) {
    std::vector<std::string> args{"-a", net.address(i), "-b", TestNetwork::broadcast(),
                                  "-p", "2691",         "-j", std::to_string(slots)};
    nodes.push_back(std::make_unique<NodeProcess>(dir.path() + "/n" + std::to_string(i), 2691,
                                                  NodeLaunch{net.exec_prefix(i), args}));
    INFO(nodes.back()->log());
    REQUIRE(nodes.back()->start());
  }
  return nodes;
}

// The running node that leads (its latest role line says leader), or -1.
inline int leader_of(const Nodes& nodes) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i]->running()) continue;
    const std::string log = nodes[i]->log();
    const auto led = log.rfind("raft: leader (");
    if (led == std::string::npos) continue;
    const auto followed = log.rfind("raft: follower (");
    if (followed == std::string::npos || followed < led) return static_cast<int>(i);
  }
  return -1;
}

inline bool all_voters(const Nodes& nodes) {
  for (const auto& node : nodes)
    if (!has(*node, "raft: this node is now a voter")) return false;
  return true;
}

// desasterctl, run in namespace `from`, talking to node `node`.
inline CommandResult ctl(const TestNetwork& net, int from, int node,
                         std::vector<std::string> args) {
  std::vector<std::string> argv{DESASTERCTL_BIN, "--timeout", "3s", "-c",
                                net.address(node) + ":2691"};
  argv.insert(argv.end(), args.begin(), args.end());
  return net.run_in(from, argv, std::chrono::seconds(20));
}

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

inline void dump_logs(const Nodes& nodes) {
  for (const auto& node : nodes) UNSCOPED_INFO(node->log());
}

}  // namespace desaster::test
