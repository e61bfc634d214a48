// A private network for several-node tests: one network namespace per node,
// each with an eth0 on 10.77.0.0/24, all plugged into a bridge that lives in
// a namespace of its own. Beacons, partitions and kills are real, and
// nothing a node sends can leave the namespaces the test created: the root
// namespace is not on the bridge.
//
// Partitions move a node's bridge port onto a second, unconnected bridge, so
// the two sides cannot hear each other (beacons included) while each side
// stays connected within itself; heal() moves it back. A cut between two
// nodes alone (a bridge partition: A-B-C with A and C apart) is an nftables
// table in each of the two namespaces that drops the other's packets;
// heal() deletes those too. A degraded node loses and delays only what it
// sends (one way): an nftables rule drops a share of its outgoing packets
// at random and a token bucket (tc tbf) on its eth0 queues the rest. The
// kernels here have no netem, so loss is nftables' `numgen random` and delay
// is the bucket's queue.
//
// Needs root (CAP_NET_ADMIN) and iproute2; setup failures throw with the
// command that failed, so a test can never pass without its network.
#pragma once

#include <string>
#include <vector>

#include "tests/integration/harness/harness.hpp"

namespace desaster::test {

// The group key of the processes a TestNetwork starts: it sets
// DESASTER_KEY to this unless the environment has one already.
inline constexpr const char* kTestNetworkKeyVariable = "DESASTER_KEY";
inline constexpr const char* kTestNetworkKey = "desaster test network";

class TestNetwork {
 public:
  explicit TestNetwork(int nodes);
  ~TestNetwork();  // kills what runs in the namespaces, deletes them
  TestNetwork(const TestNetwork&) = delete;
  TestNetwork& operator=(const TestNetwork&) = delete;

  int size() const { return nodes_; }
  const std::string& ns(int node) const { return names_.at(static_cast<std::size_t>(node)); }
  std::string address(int node) const;  // 10.77.0.<node + 1>
  static std::string broadcast() { return "10.77.0.255"; }

  // Runs argv inside node's namespace.
  CommandResult run_in(int node, const std::vector<std::string>& argv,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // The prefix that runs a command inside node's namespace.
  std::vector<std::string> exec_prefix(int node) const;

  // Splits the network: the nodes listed go to the second bridge.
  void partition(const std::vector<int>& minority);
  // Cuts a and b apart, each still reaching every other node.
  void cut(int a, int b);
  // Drops `loss_percent` of what `node` sends, at random, and queues the
  // rest behind a `rate` bucket (tc's units: "1mbit"); what it receives is
  // untouched.
  void degrade(int node, int loss_percent, const std::string& rate);
  // Undoes partition(), every cut() and every degrade().
  void heal();

 private:
  void ip(const std::vector<std::string>& args) const;
  void tc(const std::vector<std::string>& args) const;
  void nft(int node, const std::vector<std::string>& args) const;

  int nodes_;
  std::string prefix_;
  std::string bridge_ns_;
  std::vector<std::string> names_;
  std::vector<bool> has_cuts_;  // per node: its namespace has the cut table
  std::vector<bool> degraded_;  // per node: the lossy table and the bucket
};

// Why several-node tests cannot run here, or empty when they can.
std::string network_namespaces_unavailable();

}  // namespace desaster::test
