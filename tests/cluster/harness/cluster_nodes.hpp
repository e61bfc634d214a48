// Clustered nodes on a TestNetwork, and what several-node tests and the
// failover benchmark ask of them: start them, find the leader from their
// logs, talk to one with desasterctl from inside a namespace, and check
// that acknowledged jobs are on a node. No test framework here (the
// benchmark links it too): failures come back as values.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/cluster/harness/netns.hpp"

namespace desaster::test {

using Nodes = std::vector<std::unique_ptr<NodeProcess>>;

inline constexpr std::uint16_t kClusterPort = 2691;

std::string node_id_of(const NodeProcess& node);  // from its data dir's NODE_ID
bool log_has(const NodeProcess& node, const std::string& text);

// Node i of net, clustered (-a, -b, -p 2691) with extra flags, data under dir;
// `wrapper` goes between the namespace's prefix and the binary (it must exec
// it, as env does, so that signals reach the node).
std::unique_ptr<NodeProcess> clustered_node(const TestNetwork& net, const std::string& dir, int i,
                                            std::vector<std::string> extra = {},
                                            std::vector<std::string> wrapper = {});

// A wrapper for clustered_node: the node's wall clock runs `ahead` seconds
// early (libfaketime), its monotonic clock stays true, as on a machine with
// a badly set clock. env execs the node, so kill -9 and SIGSTOP reach it.
std::vector<std::string> wall_clock_ahead(int seconds);

// Every term some node won an election in, with the nodes that say they
// won it, read from each node's whole log (every run of it, restarts
// included). Raft allows one leader per term: a second name is a split brain.
std::map<std::uint64_t, std::set<int>> leaders_by_term(const Nodes& nodes);

// Each running node's `desasterctl digest`: (applied index, state digest),
// or nothing for a node that did not answer.
std::vector<std::optional<std::pair<std::uint64_t, std::string>>> state_digests(
    const TestNetwork& net, const Nodes& nodes);

// The running nodes whose latest role line says leader (a cut-off leader
// still says so until it steps down).
std::vector<int> leaders_of(const Nodes& nodes);
// A node's log (every process that wrote it) says leader in its latest role line.
bool log_says_leader(const std::string& log);
// The one leader, or -1 if there is none or more than one.
int leader_of(const Nodes& nodes);
// Every node listed says it is a voter (its log's latest membership line).
bool all_voters(const Nodes& nodes, const std::vector<int>& which = {});

// desasterctl from node `from`'s namespace against node `node`.
CommandResult ctl(const TestNetwork& net, int from, int node, std::vector<std::string> args,
                  const std::string& timeout = "3s");

std::string trim(std::string text);

// How many of ids node's `jobs --limit` listing lacks (all of them when
// the node does not answer).
std::size_t missing_on(const TestNetwork& net, int node, const std::vector<std::string>& ids);

}  // namespace desaster::test
