// Failover time of a three-node cluster under enqueue load: real nodes in
// network namespaces (the cluster tests' harness), clients enqueuing all
// the time, and N times: kill -9 the leader, time from the kill to the
// first enqueue acknowledged that was sent after the kill (so by a new
// leader), restart the killed node and wait until it caught up. At the end
// every acknowledged id must be on all three nodes. Beside the load, each
// survivor is asked "nodes" (what `desasterctl nodes` shows) every 10 ms
// from the kill on: the time until every survivor names a live leader is
// the "view" time.
//
//   failover_bench [--kills N] [--clients N]      (root: ip netns)
//
// Prints one line per kill, then the median, 90th percentile and max of
// both times, and a JSON summary line.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/cluster/harness/cluster_nodes.hpp"
#include "tests/cluster/harness/namespace_thread.hpp"
#include "transport/client/client.hpp"

using namespace desaster;
using namespace desaster::test;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

struct Acked {
  Clock::time_point sent;
  Clock::time_point acked;
  std::string id;
};

// Clients in node namespaces, each enqueuing in a loop to one of the
// current targets, moving to the next target after a failure.
class Load {
 public:
  Load(const TestNetwork& net, int clients) : net_(net) {
    for (int c = 0; c < clients; ++c) threads_.emplace_back([this, c] { run(c); });
  }
  ~Load() { stop(); }
  void stop() {
    stop_ = true;
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }
  // Nodes the clients may talk to (all but a killed one).
  void set_targets(std::vector<int> targets) {
    std::lock_guard<std::mutex> lock(mutex_);
    targets_ = std::move(targets);
  }
  // When the first request sent at or after `since` was acknowledged.
  std::optional<Clock::time_point> first_ack_sent_after(Clock::time_point since) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<Clock::time_point> first;
    for (auto it = acked_.rbegin(); it != acked_.rend() && it->acked >= since; ++it)
      if (it->sent >= since && (!first || it->acked < *first)) first = it->acked;
    return first;
  }
  std::vector<std::string> ids() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> ids;
    for (const Acked& a : acked_) ids.push_back(a.id);
    return ids;
  }
  std::size_t failures() const { return failures_; }

 private:
  void run(int client) {
    std::size_t pick = static_cast<std::size_t>(client);
    while (!stop_) {
      int node = 0;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        node = targets_[pick % targets_.size()];
      }
      const Clock::time_point sent = Clock::now();
      CommandResult r = ctl(net_, node, node, {"enqueue", "--", "true"}, "1s");
      const Clock::time_point done = Clock::now();
      if (r.exit_status == 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        acked_.push_back({sent, done, trim(r.out)});
      } else {
        ++failures_;
        ++pick;
      }
    }
  }

  const TestNetwork& net_;
  mutable std::mutex mutex_;
  std::vector<int> targets_{0, 1, 2};
  std::vector<Acked> acked_;  // in the order acknowledged
  std::atomic<std::size_t> failures_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// The leader a survivor's "nodes" answer names, or empty. Asked on a
// thread in the survivor's namespace over one kept connection, as a
// monitoring client would, every 10 ms from the kill on; the time until
// every survivor names a live leader is the "view" time. (A `desasterctl
// nodes` run adds its own start: a process and the group key's derivation.)
std::string leader_named(Client& client) {
  Result<protocol::NodesReply> reply = client.nodes();
  if (!reply.ok()) return {};
  for (const protocol::NodeSummary& n : reply->nodes)
    if (n.role == "leader") return n.node;
  return {};
}

// From `since`, asks every survivor until each names a leader other than
// `dead`; the latest of those moments, or nothing after `bound`.
std::optional<Clock::time_point> views_moved_on(const TestNetwork& net,
                                                const std::vector<int>& survivors,
                                                const std::string& dead, Clock::time_point since,
                                                Clock::duration bound) {
  std::vector<std::optional<Clock::time_point>> seen(survivors.size());
  {
    std::vector<std::unique_ptr<NamespaceThread>> askers;
    for (std::size_t s = 0; s < survivors.size(); ++s) {
      askers.push_back(std::make_unique<NamespaceThread>(net, survivors[s], [&, s] {
        ClientOptions options;
        options.endpoint =
            "tcp://" + net.address(survivors[s]) + ":" + std::to_string(kClusterPort);
        options.timeout = milliseconds(500);
        options.name = "failover-bench-view";
        std::unique_ptr<Client> client;
        while (Clock::now() - since < bound) {
          if (!client) {
            Result<std::unique_ptr<Client>> made = Client::connect(options);
            if (made.ok()) client = std::move(*made);
          }
          const std::string leader = client ? leader_named(*client) : std::string();
          if (!leader.empty() && leader != dead) {
            seen[s] = Clock::now();
            return;
          }
          std::this_thread::sleep_for(milliseconds(10));  // the polling interval
        }
      }));
    }
  }  // joined
  std::optional<Clock::time_point> last;
  for (const auto& at : seen) {
    if (!at) return std::nullopt;
    if (!last || *at > *last) last = at;
  }
  return last;
}

long percentile(std::vector<long> sorted, double p) {
  if (sorted.empty()) return 0;
  std::size_t at = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(at, sorted.size() - 1)];
}

int usage() {
  std::fprintf(stderr, "usage: failover_bench [--kills N] [--clients N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int kills = 20;
  int clients = 4;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--kills" || arg == "--clients") && i + 1 < argc) {
      const int n = std::atoi(argv[++i]);
      if (n < 1 || n > 1000) return usage();
      (arg == "--kills" ? kills : clients) = n;
    } else {
      return usage();
    }
  }
  if (std::string why = network_namespaces_unavailable(); !why.empty()) {
    std::fprintf(stderr, "failover_bench: %s\n", why.c_str());
    return 1;
  }
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(clustered_node(net, dir.path(), i, {"-j", "2"}));
    if (!nodes.back()->start()) {
      std::fprintf(stderr, "node %d did not start:\n%s\n", i, nodes.back()->log().c_str());
      return 1;
    }
  }
  if (!wait_until([&] { return all_voters(nodes) && leader_of(nodes) >= 0; }, seconds(30))) {
    std::fprintf(stderr, "the cluster did not form\n");
    return 1;
  }
  std::printf("# failover of a 3-voter cluster under enqueue load (%d clients), %d kills\n",
              clients, kills);
  Load load(net, clients);
  std::vector<long> failover_ms;
  std::vector<long> view_ms;
  for (int k = 0; k < kills; ++k) {
    int leader = -1;
    if (!wait_until(
            [&] {
              leader = leader_of(nodes);
              return leader >= 0;
            },
            seconds(20))) {
      std::fprintf(stderr, "no leader before kill %d\n", k + 1);
      return 1;
    }
    // Load before the kill, so the leader is busy when it dies.
    std::this_thread::sleep_for(milliseconds(500));  // a load phase, not synchronisation
    std::vector<int> survivors;
    for (int i = 0; i < 3; ++i)
      if (i != leader) survivors.push_back(i);
    const std::string dead = node_id_of(*nodes[leader]);
    nodes[leader]->kill9();
    const Clock::time_point killed = Clock::now();
    load.set_targets(survivors);
    std::optional<Clock::time_point> views;
    std::thread watch(
        [&] { views = views_moved_on(net, survivors, dead, killed, std::chrono::seconds(30)); });
    std::optional<Clock::time_point> first;
    if (!wait_until(
            [&] {
              first = load.first_ack_sent_after(killed);
              return first.has_value();
            },
            seconds(30))) {
      std::fprintf(stderr, "kill %d: no acknowledged enqueue within 30 s\n", k + 1);
      watch.join();
      return 1;
    }
    watch.join();
    if (!views) {
      std::fprintf(stderr, "kill %d: a survivor's `nodes` named no live leader within 30 s\n",
                   k + 1);
      return 1;
    }
    const long ms = std::chrono::duration_cast<milliseconds>(*first - killed).count();
    const long view = std::chrono::duration_cast<milliseconds>(*views - killed).count();
    failover_ms.push_back(ms);
    view_ms.push_back(view);
    std::printf(
        "kill %2d: node %d (leader) -> first acknowledged enqueue after %ld ms, every survivor's "
        "`nodes` names the new leader after %ld ms\n",
        k + 1, leader, ms, view);
    std::fflush(stdout);
    // The killed node comes back and catches up before the next kill.
    if (!nodes[leader]->start()) {
      std::fprintf(stderr, "node %d did not restart:\n%s\n", leader, nodes[leader]->log().c_str());
      return 1;
    }
    const std::vector<std::string> ids = load.ids();
    const std::string last = ids.empty() ? std::string() : ids.back();
    if (!wait_until(
            [&] {
              return last.empty() || ctl(net, leader, leader, {"job", last}).exit_status == 0;
            },
            seconds(30))) {
      std::fprintf(stderr, "node %d did not catch up after its restart\n", leader);
      return 1;
    }
    load.set_targets({0, 1, 2});
  }
  load.stop();

  const std::vector<std::string> ids = load.ids();
  std::size_t missing_total = 0;
  for (int node = 0; node < 3; ++node) {
    std::size_t missing = ids.size();
    wait_until(
        [&] {
          missing = missing_on(net, node, ids);
          return missing == 0;
        },
        seconds(20));
    std::printf("node %d: %zu of %zu acknowledged ids missing\n", node, missing, ids.size());
    missing_total += missing;
  }
  std::vector<long> sorted = failover_ms;
  std::sort(sorted.begin(), sorted.end());
  const long median = percentile(sorted, 0.5), p90 = percentile(sorted, 0.9), max = sorted.back(),
             min = sorted.front();
  std::vector<long> views = view_ms;
  std::sort(views.begin(), views.end());
  const long view_median = percentile(views, 0.5), view_max = views.back();
  std::printf("failover over %d kills: median %ld ms, p90 %ld ms, max %ld ms, min %ld ms\n", kills,
              median, p90, max, min);
  std::printf(
      "every survivor's `nodes` names the new leader: median %ld ms, p90 %ld ms, max %ld ms\n",
      view_median, percentile(views, 0.9), view_max);
  std::printf(
      "{\"bench\":\"failover\",\"kills\":%d,\"median_ms\":%ld,\"p90_ms\":%ld,\"max_ms\":%ld,"
      "\"min_ms\":%ld,\"view_median_ms\":%ld,\"view_max_ms\":%ld,\"acknowledged\":%zu,"
      "\"missing\":%zu,\"failed_requests\":%zu}\n",
      kills, median, p90, max, min, view_median, view_max, ids.size(), missing_total,
      load.failures());
  return missing_total == 0 ? 0 : 1;
}
