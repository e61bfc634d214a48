#include "tests/cluster/harness/cluster_nodes.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace desaster::test {

std::string node_id_of(const NodeProcess& node) {
  std::ifstream in(node.data_dir() + "/NODE_ID");
  std::string id;
  in >> id;
  return id;
}

bool log_has(const NodeProcess& node, const std::string& text) {
  return node.log().find(text) != std::string::npos;
}

std::unique_ptr<NodeProcess> clustered_node(const TestNetwork& net, const std::string& dir, int i,
                                            std::vector<std::string> extra,
                                            std::vector<std::string> wrapper) {
  std::vector<std::string> args{
      "-a", net.address(i), "-b", TestNetwork::broadcast(), "-p", std::to_string(kClusterPort)};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<std::string> prefix = net.exec_prefix(i);
  prefix.insert(prefix.end(), wrapper.begin(), wrapper.end());
  return std::make_unique<NodeProcess>(dir + "/n" + std::to_string(i), kClusterPort,
                                       NodeLaunch{std::move(prefix), std::move(args)});
}

std::vector<std::string> wall_clock_ahead(int seconds) {
  return {"env", "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
          "FAKETIME=+" + std::to_string(seconds) + "s", "FAKETIME_DONT_FAKE_MONOTONIC=1"};
}

std::map<std::uint64_t, std::set<int>> leaders_by_term(const Nodes& nodes) {
  static const std::string kWon = "raft: leader (won the election in term ";
  std::map<std::uint64_t, std::set<int>> leaders;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i]) continue;
    std::ifstream in(nodes[i]->data_dir() + ".log");
    for (std::string line; std::getline(in, line);) {
      const auto at = line.find(kWon);
      if (at == std::string::npos) continue;
      leaders[std::strtoull(line.c_str() + at + kWon.size(), nullptr, 10)].insert(
          static_cast<int>(i));
    }
  }
  return leaders;
}

std::vector<std::optional<std::pair<std::uint64_t, std::string>>> state_digests(
    const TestNetwork& net, const Nodes& nodes) {
  std::vector<std::optional<std::pair<std::uint64_t, std::string>>> digests;
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    digests.emplace_back();
    if (!nodes[static_cast<std::size_t>(i)]->running()) continue;
    // "index I term T jobs N digest HEX"
    std::istringstream words(ctl(net, i, i, {"digest"}, "5s").out);
    std::string index_word, term_word, jobs_word, digest_word, digest;
    std::uint64_t index = 0, term = 0, jobs = 0;
    if (words >> index_word >> index >> term_word >> term >> jobs_word >> jobs >> digest_word >>
            digest &&
        digest_word == "digest")
      digests.back() = std::pair{index, digest};
  }
  return digests;
}

std::vector<int> leaders_of(const Nodes& nodes) {
  std::vector<int> leaders;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i] || !nodes[i]->running()) continue;
    if (log_says_leader(nodes[i]->log())) leaders.push_back(static_cast<int>(i));
  }
  return leaders;
}

bool log_says_leader(const std::string& log) {
  const auto led = log.rfind("raft: leader (");
  if (led == std::string::npos) return false;
  const auto followed = log.rfind("raft: follower (");
  const auto candidate = log.rfind("raft: candidate (");
  return (followed == std::string::npos || followed < led) &&
         (candidate == std::string::npos || candidate < led);
}

int leader_of(const Nodes& nodes) {
  const std::vector<int> leaders = leaders_of(nodes);
  return leaders.size() == 1 ? leaders.front() : -1;
}

bool all_voters(const Nodes& nodes, const std::vector<int>& which) {
  auto voter = [&](std::size_t i) {
    const std::string log = nodes[i]->log();
    const auto now = log.rfind("raft: this node is now ");
    return now != std::string::npos && log.compare(now, 30, "raft: this node is now a voter") == 0;
  };
  if (which.empty()) {
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (!voter(i)) return false;
    return true;
  }
  for (int i : which)
    if (!voter(static_cast<std::size_t>(i))) return false;
  return true;
}

CommandResult ctl(const TestNetwork& net, int from, int node, std::vector<std::string> args,
                  const std::string& timeout) {
  std::vector<std::string> argv{DESASTERCTL_BIN, "--timeout", timeout, "-c",
                                net.address(node) + ":" + std::to_string(kClusterPort)};
  argv.insert(argv.end(), args.begin(), args.end());
  return net.run_in(from, argv, std::chrono::seconds(30));
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::size_t missing_on(const TestNetwork& net, int node, const std::vector<std::string>& ids) {
  CommandResult listed = ctl(net, node, node, {"jobs", "--limit", "10000"}, "10s");
  if (listed.exit_status != 0) return ids.size();
  std::size_t missing = 0;
  for (const std::string& id : ids)
    if (listed.out.find(id) == std::string::npos) ++missing;
  return missing;
}

}  // namespace desaster::test
