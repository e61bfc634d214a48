// A slow node gets fewer HTTP requests: three nodes each run a one-worker
// Rack pool and take a third of the requests on their own --http; a request
// that finds no idle local worker (--http-queue 0) goes to the cluster, where
// the leader leases it by free slots. A node's pool withdraws the credit its
// local requests take (RubyPool::Impl::sync_credit), so the leader does not
// send work to a node whose worker is still busy: the slow node (its app
// sleeps 10 times longer) serves a smaller share than each fast one, and
// the leader's view of its free slots drops while a local request runs.
#include <catch2/catch.hpp>

#include <future>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cluster/harness/cluster_catch.hpp"

namespace desaster::test {

namespace {

using std::chrono::seconds;

const std::string kApp = std::string(DESASTER_SOURCE_DIR) + "/tests/integration/ruby_apps/http_app";
constexpr int kHttpPort = 8080;
constexpr int kSlow = 2;

std::string url(const TestNetwork& net, int node, const std::string& path) {
  return "http://" + net.address(node) + ":" + std::to_string(kHttpPort) + path;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size()))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("a slow node serves a smaller share of the cluster's HTTP requests", "[cluster][http]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < 3; ++i) {
    std::vector<std::string> wrapper;
    if (i == kSlow) wrapper = {"env", "HTTP_APP_WORK_SECONDS=0.5"};
    nodes.push_back(
        clustered_node(net, dir.path(), i,
                       {"-j", "1", "--http", net.address(i) + ":" + std::to_string(kHttpPort),
                        "--http-queue", "0", "--http-queue-timeout", "20s"},
                       wrapper));
    INFO(nodes.back()->log());
    REQUIRE(nodes.back()->start());
  }
  const bool formed = wait_until([&] { return all_voters(nodes); }, seconds(20));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);

  // One worker on every node (the fast ones take 50 ms a request, the slow one 500 ms).
  CommandResult added = ctl(net, 0, 0,
                            {"pool", "add", "web", "--dir", kApp, "--rackup", kApp + "/config.ru",
                             "--queue", "http", "--min", "1", "--max", "1"});
  INFO(added.out << added.err);
  REQUIRE(added.exit_status == 0);
  // Every node's worker is up once it answers its own node's request.
  for (int i = 0; i < 3; ++i) {
    CommandResult r;
    const bool up = wait_until(
        [&] {
          r = net.run_in(0, {"curl", "-sS", "--max-time", "20", url(net, i, "/whoami")},
                         seconds(30));
          return r.out.find("served by tcp://" + net.address(i) + ":") != std::string::npos;
        },
        seconds(60));
    INFO(i << ": " << r.out << r.err);
    if (!up) dump_logs(nodes);
    REQUIRE(up);
  }

  // 90 requests, a third to each node, 6 at a time.
  constexpr int kRequests = 90;
  std::vector<std::string> argv{"curl",       "-sS", "--parallel", "--parallel-max",  "6",
                                "--max-time", "30",  "-w",         "\n%{http_code}\n"};
  for (int i = 0; i < kRequests; ++i) argv.push_back(url(net, i % 3, "/work"));
  CommandResult load = net.run_in(0, argv, seconds(120));
  INFO(load.out << load.err);
  CHECK(count_of(load.out, "\n200\n") == kRequests);

  std::map<int, std::size_t> served;
  for (int i = 0; i < 3; ++i)
    served[i] = count_of(load.out, "served by tcp://" + net.address(i) + ":");
  INFO("served: fast " << served[0] << ", fast " << served[1] << ", slow " << served[kSlow]);
  CHECK(served[0] + served[1] + served[kSlow] == kRequests);
  // The share relation, not timings: the slow node serves fewer than each
  // fast node, and less than the third it was asked.
  CHECK(served[kSlow] < served[0]);
  CHECK(served[kSlow] < served[1]);
  CHECK(served[kSlow] < kRequests / 3);
  // The slow node sent the rest of its third to the cluster.
  CHECK(has(*nodes[kSlow], "via=cluster"));

  // The leader's view of the slow node's free slots (its shell slot and its
  // pool's worker) counts a local request in flight: the pool withdrew that
  // credit (through the node's relay: the slow node does not lead, or
  // another node does), and grants it again when the request ends.
  const int leader = leader_of(nodes);
  REQUIRE(leader >= 0);
  const std::string slow_id = node_id_of(*nodes[kSlow]);
  auto free_slots = [&]() -> long {
    CommandResult r = ctl(net, leader, leader, {"nodes", "--json"});
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    if (doc.is_discarded() || !doc.contains("nodes")) return -1;
    for (const auto& n : doc["nodes"])
      if (n.value("node", "") == slow_id) return n.value("free_slots", -1L);
    return -1;
  };
  long seen = -1;
  CHECK(wait_until([&] { return (seen = free_slots()) == 2; }, seconds(20)));
  INFO("free slots: " << seen);
  auto long_request = std::async(std::launch::async, [&] {
    return net.run_in(kSlow, {"curl", "-sS", "--max-time", "30", url(net, kSlow, "/work?s=4")},
                      seconds(40));
  });
  CHECK(wait_until([&] { return (seen = free_slots()) == 1; }, seconds(3)));
  CommandResult done = long_request.get();
  CHECK(done.out.find("served by tcp://" + net.address(kSlow) + ":") != std::string::npos);
  CHECK(wait_until([&] { return (seen = free_slots()) == 2; }, seconds(10)));
}

}  // namespace desaster::test
