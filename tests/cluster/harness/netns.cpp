#include "tests/cluster/harness/netns.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

#include <stdexcept>
#include <utility>

namespace desaster::test {

namespace {

std::string join(const std::vector<std::string>& args) {
  std::string text;
  for (const std::string& a : args) text += (text.empty() ? "" : " ") + a;
  return text;
}

// Runs `tool args...` in the root namespace; a failure throws with the
// command, so a test never goes on without the network it asked for.
void must_run(const std::string& tool, const std::vector<std::string>& args) {
  std::vector<std::string> argv{tool};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result = run_command(argv);
  if (result.exit_status != 0)
    throw std::runtime_error("test network: `" + join(argv) + "` failed: " + result.err);
}

// The nftables table of a namespace's cuts (deleted whole on heal).
constexpr const char* kCutTable = "desaster_cut";
// The nftables table of a degraded node's random loss.
constexpr const char* kLossyTable = "desaster_lossy";

}  // namespace

std::string network_namespaces_unavailable() {
  if (::geteuid() != 0) return "several-node tests need root (CAP_NET_ADMIN) for ip netns";
  CommandResult probe = run_command({"ip", "netns", "list"});
  if (probe.exit_status != 0) return "ip netns does not work here: " + probe.err;
  return "";
}

TestNetwork::TestNetwork(int nodes)
    : nodes_(nodes),
      has_cuts_(static_cast<std::size_t>(nodes), false),
      degraded_(static_cast<std::size_t>(nodes), false) {
  // Clients in one namespace reach nodes in another over the bridge, which
  // protected mode refuses for the public default key; so the test network
  // has a key of its own, for the nodes and clients started from here (the
  // protected-mode test passes -k default where it wants the default).
  ::setenv(kTestNetworkKeyVariable, kTestNetworkKey, 0);
  prefix_ = "dst" + std::to_string(::getpid() % 100000) + "x" +
            std::to_string(reinterpret_cast<std::uintptr_t>(this) % 997);
  bridge_ns_ = prefix_ + "br";
  ip({"netns", "add", bridge_ns_});
  ip({"-n", bridge_ns_, "link", "add", "br0", "type", "bridge"});
  ip({"-n", bridge_ns_, "link", "add", "br1", "type", "bridge"});
  ip({"-n", bridge_ns_, "link", "set", "br0", "up"});
  ip({"-n", bridge_ns_, "link", "set", "br1", "up"});
  for (int i = 0; i < nodes; ++i) {
    const std::string name = prefix_ + "n" + std::to_string(i);
    const std::string port = "p" + std::to_string(i);
    ip({"netns", "add", name});
    names_.push_back(name);
    ip({"-n", bridge_ns_, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns",
        name});
    ip({"-n", bridge_ns_, "link", "set", port, "master", "br0"});
    ip({"-n", bridge_ns_, "link", "set", port, "up"});
    ip({"-n", name, "addr", "add", address(i) + "/24", "broadcast", broadcast(), "dev", "eth0"});
    ip({"-n", name, "link", "set", "eth0", "up"});
    ip({"-n", name, "link", "set", "lo", "up"});
  }
}

TestNetwork::~TestNetwork() {
  for (const std::string& name : names_) {
    CommandResult pids = run_command({"ip", "netns", "pids", name});
    std::size_t at = 0;
    while (at < pids.out.size()) {
      std::size_t end = pids.out.find('\n', at);
      if (end == std::string::npos) end = pids.out.size();
      const std::string pid = pids.out.substr(at, end - at);
      if (!pid.empty()) ::kill(std::stoi(pid), SIGKILL);
      at = end + 1;
    }
    run_command({"ip", "netns", "delete", name});
  }
  run_command({"ip", "netns", "delete", bridge_ns_});
}

std::string TestNetwork::address(int node) const {
  return "10.77.0." + std::to_string(node + 1);
}

std::vector<std::string> TestNetwork::exec_prefix(int node) const {
  return {"ip", "netns", "exec", ns(node)};
}

CommandResult TestNetwork::run_in(int node, const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout) const {
  std::vector<std::string> full = exec_prefix(node);
  full.insert(full.end(), argv.begin(), argv.end());
  return run_command(full, timeout);
}

void TestNetwork::partition(const std::vector<int>& minority) {
  for (int node : minority)
    ip({"-n", bridge_ns_, "link", "set", "p" + std::to_string(node), "master", "br1"});
}

void TestNetwork::cut(int a, int b) {
  for (auto [self, other] : {std::pair{a, b}, std::pair{b, a}}) {
    if (!has_cuts_.at(static_cast<std::size_t>(self))) {
      nft(self, {"add", "table", "inet", kCutTable});
      nft(self, {"add", "chain", "inet", kCutTable, "in", "{", "type", "filter", "hook", "input",
                 "priority", "0", ";", "}"});
      nft(self, {"add", "chain", "inet", kCutTable, "out", "{", "type", "filter", "hook", "output",
                 "priority", "0", ";", "}"});
      has_cuts_[static_cast<std::size_t>(self)] = true;
    }
    nft(self, {"add", "rule", "inet", kCutTable, "in", "ip", "saddr", address(other), "drop"});
    nft(self, {"add", "rule", "inet", kCutTable, "out", "ip", "daddr", address(other), "drop"});
  }
}

void TestNetwork::degrade(int node, int loss_percent, const std::string& rate) {
  nft(node, {"add", "table", "inet", kLossyTable});
  nft(node, {"add", "chain", "inet", kLossyTable, "out", "{", "type", "filter", "hook", "output",
             "priority", "0", ";", "}"});
  nft(node, {"add", "rule", "inet", kLossyTable, "out", "numgen", "random", "mod", "100", "<",
             std::to_string(loss_percent), "drop"});
  tc({"-n", ns(node), "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", rate, "burst",
      "16kbit", "latency", "400ms"});
  degraded_.at(static_cast<std::size_t>(node)) = true;
}

void TestNetwork::heal() {
  for (int i = 0; i < nodes_; ++i) {
    if (degraded_[static_cast<std::size_t>(i)]) {
      nft(i, {"delete", "table", "inet", kLossyTable});
      tc({"-n", ns(i), "qdisc", "del", "dev", "eth0", "root"});
      degraded_[static_cast<std::size_t>(i)] = false;
    }
    ip({"-n", bridge_ns_, "link", "set", "p" + std::to_string(i), "master", "br0"});
    if (has_cuts_[static_cast<std::size_t>(i)]) {
      nft(i, {"delete", "table", "inet", kCutTable});
      has_cuts_[static_cast<std::size_t>(i)] = false;
    }
  }
}

void TestNetwork::nft(int node, const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"nft"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result = run_in(node, argv);
  if (result.exit_status != 0)
    throw std::runtime_error("test network: `" + join(argv) + "` in " + ns(node) +
                             " failed: " + result.err);
}

void TestNetwork::tc(const std::vector<std::string>& args) const {
  must_run("tc", args);
}

void TestNetwork::ip(const std::vector<std::string>& args) const {
  must_run("ip", args);
}

}  // namespace desaster::test
