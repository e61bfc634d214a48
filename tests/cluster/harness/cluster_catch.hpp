// Catch2 helpers of the several-node tests on top of cluster_nodes.hpp
// (which stays free of the test framework: the failover benchmark links it):
// they REQUIRE instead of returning failures.
#pragma once

#include <catch2/catch.hpp>

#include "tests/cluster/harness/cluster_nodes.hpp"

namespace desaster::test {

inline void require_network() {
  const std::string unavailable = network_namespaces_unavailable();
  INFO(unavailable);
  REQUIRE(unavailable.empty());
}

inline bool has(const NodeProcess& node, const std::string& text) {
  return log_has(node, text);
}

// Fresh clustered nodes, one per namespace of net, started together, each
// with `slots` shell slots.
inline Nodes start_cluster(const TestNetwork& net, const TempDir& dir, int slots = 2) {
  Nodes nodes;
  for (int i = 0; i < net.size(); ++i) {
    nodes.push_back(clustered_node(net, dir.path(), i, {"-j", std::to_string(slots)}));
    INFO(nodes.back()->log());
    REQUIRE(nodes.back()->start());
  }
  return nodes;
}

inline void dump_logs(const Nodes& nodes) {
  for (const auto& node : nodes)
    if (node) UNSCOPED_INFO(node->log());  // a test may have reset a killed node
}

}  // namespace desaster::test
