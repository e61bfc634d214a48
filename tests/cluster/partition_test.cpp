// A five-node cluster cut 3/2 by moving two nodes' bridge ports away (the
// processes keep running): the majority elects or keeps a leader and
// acknowledges enqueues; the minority acknowledges nothing and tells its
// clients why; after the heal there is one leader and every acknowledged
// job is on every node. The leader is put on the minority side on purpose:
// it must notice that it lost its quorum and step down.
#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/cluster/harness/cluster_catch.hpp"

namespace desaster::test {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Enqueues from one namespace in a loop, each job appending its token to a
// shared file when it runs, trying the next of `targets` after a failure.
class LoadClient {
 public:
  LoadClient(const TestNetwork& net, int from, std::vector<int> targets, std::string runs_file)
      : net_(net), from_(from), targets_(std::move(targets)), runs_file_(std::move(runs_file)) {
    thread_ = std::thread([this] { run(); });
  }
  ~LoadClient() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::size_t acked() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ids_.size();
  }
  std::vector<std::string> ids() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ids_;
  }

 private:
  void run() {
    std::size_t target = 0;
    for (int token = 0; !stop_; ++token) {
      const int node = targets_[target % targets_.size()];
      CommandResult r = ctl(
          net_, from_, node,
          {"enqueue", "--", "sh", "-c", "echo t" + std::to_string(token) + " >> " + runs_file_});
      if (r.exit_status == 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        ids_.push_back(trim(r.out));
      } else {
        ++target;  // refused or unreachable: try the next node
      }
    }
  }

  const TestNetwork& net_;
  int from_;
  std::vector<int> targets_;
  std::string runs_file_;
  mutable std::mutex mutex_;
  std::vector<std::string> ids_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

constexpr const char* kNoMajority =
    "this node cannot reach a majority of the voters (2 of 5 reachable); the write was not "
    "acknowledged";

// Clients of the minority side, from the cut on: each node of it gets an
// enqueue after another from its own namespace.
class MinorityProbe {
 public:
  MinorityProbe(const TestNetwork& net, std::vector<int> nodes) : net_(net), nodes_(nodes) {
    for (int node : nodes_) threads_.emplace_back([this, node] { run(node); });
  }
  ~MinorityProbe() { stop(); }

  void stop() {
    stop_ = true;
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }
  int attempts() const { return attempts_; }
  int acknowledged() const { return acknowledged_; }
  int timed_out() const { return timed_out_; }
  std::string last_error(int node) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = last_error_.find(node);
    return it == last_error_.end() ? std::string() : it->second;
  }
  bool says(int node, const std::string& text) const {
    return last_error(node).find(text) != std::string::npos;
  }

 private:
  void run(int node) {
    while (!stop_) {
      CommandResult r = ctl(net_, node, node, {"enqueue", "--", "true"});
      ++attempts_;
      if (r.exit_status == 0) ++acknowledged_;
      if (r.err.find("no reply from") != std::string::npos) ++timed_out_;
      std::lock_guard<std::mutex> lock(mutex_);
      last_error_[node] = r.err;
    }
  }

  const TestNetwork& net_;
  std::vector<int> nodes_;
  std::atomic<int> attempts_{0}, acknowledged_{0}, timed_out_{0};
  mutable std::mutex mutex_;
  std::map<int, std::string> last_error_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// Tokens of the runs file that appear more than once: jobs that ran twice.
std::size_t ran_twice(const std::string& runs_file, std::size_t* runs) {
  std::ifstream in(runs_file);
  std::map<std::string, int> seen;
  std::string token;
  *runs = 0;
  while (in >> token) {
    ++seen[token];
    ++*runs;
  }
  std::size_t twice = 0;
  for (const auto& [t, n] : seen) twice += n > 1;
  return twice;
}

}  // namespace

TEST_CASE(
    "a 3/2 partition: the majority goes on, the minority acknowledges nothing and says why, "
    "and after the heal one leader has every acknowledged job",
    "[cluster][raft][partition]") {
  require_network();
  TestNetwork net(5);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < net.size(); ++i) {
    nodes.push_back(clustered_node(net, dir.path(), i, {"-j", "2"}));
    INFO(nodes.back()->log());
    REQUIRE(nodes.back()->start());
  }
  const bool formed =
      wait_until([&] { return all_voters(nodes) && leader_of(nodes) >= 0; }, seconds(40));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  const int old_leader = leader_of(nodes);
  REQUIRE(old_leader >= 0);
  const std::vector<int> minority{old_leader, (old_leader + 1) % 5};
  std::vector<int> majority;
  for (int i = 0; i < 5; ++i)
    if (i != minority[0] && i != minority[1]) majority.push_back(i);

  const std::string runs_file = dir.path() + "/runs";
  LoadClient load(net, majority[0], majority, runs_file);
  REQUIRE(wait_until([&] { return load.acked() >= 20; }, seconds(20)));

  net.partition(minority);
  const auto cut_at = std::chrono::steady_clock::now();
  MinorityProbe probe(net, minority);
  const std::size_t acked_at_cut = load.acked();

  // The majority elects a leader of its own and acknowledges again.
  auto majority_leads = [&] {
    for (int i : leaders_of(nodes))
      if (i != minority[0] && i != minority[1]) return true;
    return false;
  };
  const bool elected = wait_until(majority_leads, seconds(15));
  if (!elected) dump_logs(nodes);
  REQUIRE(elected);
  const bool majority_acks =
      wait_until([&] { return load.acked() >= acked_at_cut + 10; }, seconds(30));
  CHECK(majority_acks);
  const auto majority_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - cut_at);

  // The cut-off leader steps down (check-quorum).
  CHECK(wait_until([&] { return log_has(*nodes[old_leader], "raft: follower (stepped down"); },
                   seconds(10)));

  // The minority acknowledged nothing from the cut on; every refusal came
  // with a reason before the client's timeout, and soon the reason is the
  // lost majority.
  const bool explained = wait_until(
      [&] { return probe.says(minority[0], kNoMajority) && probe.says(minority[1], kNoMajority); },
      seconds(20));
  probe.stop();
  INFO("minority node " << minority[0] << ": " << probe.last_error(minority[0]));
  INFO("minority node " << minority[1] << ": " << probe.last_error(minority[1]));
  CHECK(explained);
  CHECK(probe.acknowledged() == 0);
  CHECK(probe.timed_out() == 0);

  net.heal();
  const auto healed_at = std::chrono::steady_clock::now();
  // One leader, followed by every node (the minority hears its heartbeats).
  const bool one_leader = wait_until(
      [&] {
        const int leader = leader_of(nodes);
        if (leader < 0) return false;
        const std::string id = node_id_of(*nodes[leader]).substr(0, 8);
        for (int i : minority)
          if (nodes[i]->log().rfind("following leader " + id) == std::string::npos) return false;
        return true;
      },
      seconds(20));
  if (!one_leader) dump_logs(nodes);
  REQUIRE(one_leader);
  const auto heal_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - healed_at);
  const std::size_t acked_at_heal = load.acked();
  CHECK(wait_until([&] { return load.acked() >= acked_at_heal + 10; }, seconds(20)));
  load.stop();

  const std::vector<std::string> ids = load.ids();
  for (int node = 0; node < 5; ++node) {
    std::size_t missing = ids.size();
    wait_until(
        [&] {
          missing = missing_on(net, node, ids);
          return missing == 0;
        },
        seconds(15));
    INFO("node " << node << " misses " << missing << " of " << ids.size() << " acknowledged jobs");
    CHECK(missing == 0);
  }
  // Every acknowledged job runs (at least once) on the leader's workers.
  const int leader = leader_of(nodes);
  REQUIRE(leader >= 0);
  std::size_t not_done = ids.size();
  wait_until(
      [&] {
        CommandResult done =
            ctl(net, leader, leader, {"jobs", "--state", "succeeded", "--limit", "10000"}, "10s");
        not_done = 0;
        for (const std::string& id : ids) not_done += done.out.find(id) == std::string::npos;
        return not_done == 0;
      },
      seconds(30));
  INFO(not_done << " of " << ids.size() << " acknowledged jobs did not succeed");
  CHECK(not_done == 0);
  std::size_t runs = 0;
  const std::size_t twice = ran_twice(runs_file, &runs);
  WARN("3/2 partition: majority acknowledged 10 more enqueues "
       << majority_ms.count() << " ms after the cut; minority refused " << probe.attempts()
       << " enqueues (" << probe.acknowledged() << " acknowledged, " << probe.timed_out()
       << " timed out); one leader " << heal_ms.count() << " ms after the heal; " << ids.size()
       << " acknowledged jobs, " << runs << " runs, " << twice << " jobs ran twice");
}

}  // namespace desaster::test
