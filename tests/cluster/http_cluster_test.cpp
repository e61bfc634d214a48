// The HTTP front end in a cluster: a request to a node whose queue has no
// local Rack pool becomes an http job that the leader schedules to another
// node's pool (core/node/http_remote.hpp), and the client gets that pool's
// reply from the node it asked.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/cluster/harness/cluster_catch.hpp"

namespace desaster::test {

namespace {

using std::chrono::seconds;

const std::string kApp = std::string(DESASTER_SOURCE_DIR) + "/tests/integration/ruby_apps/http_app";
constexpr int kHttpPort = 8080;

// curl from node `from`'s namespace to node `to`'s --http: the body, then a
// last line with the status code.
CommandResult curl(const TestNetwork& net, int from, int to, const std::string& path,
                   std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{"curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("http://" + net.address(to) + ":" + std::to_string(kHttpPort) + path);
  return net.run_in(from, argv, seconds(30));
}

}  // namespace

TEST_CASE("an HTTP request to a node without a Rack pool is served by another node's pool",
          "[cluster][http]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(
        clustered_node(net, dir.path(), i,
                       {"-j", "1", "--http", net.address(i) + ":" + std::to_string(kHttpPort),
                        "--http-queue-timeout", "1s", "--http-route", "*/nopool=nopool"}));
    INFO(nodes.back()->log());
    REQUIRE(nodes.back()->start());
  }
  const bool formed = wait_until([&] { return all_voters(nodes); }, seconds(20));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);

  // The only Rack pool runs on node 1 (B); requests go to node 0 (A).
  const int a = 0;
  const int b = 1;
  CommandResult added =
      ctl(net, a, a,
          {"pool", "add", "web", "--dir", kApp, "--rackup", kApp + "/config.ru", "--queue", "http",
           "--min", "1", "--max", "1", "--node", node_id_of(*nodes[b])});
  INFO(added.out << added.err);
  REQUIRE(added.exit_status == 0);

  // Until B's worker has booted, requests get 503 after the 1 s queue timeout.
  CommandResult first;
  const bool served = wait_until(
      [&] {
        first = curl(net, a, a, "/whoami");
        return trim(first.out.substr(first.out.rfind('\n') + 1)) == "200";
      },
      seconds(60));
  INFO(first.out << first.err);
  if (!served) dump_logs(nodes);
  REQUIRE(served);
  CHECK(first.out.find("served by tcp://" + net.address(b) + ":") != std::string::npos);

  // A POST with a body gets there whole; node 2 (C) has no pool either.
  CommandResult post = curl(net, a, 2, "/echo", {"--data-binary", "hello cluster"});
  INFO(post.out << post.err);
  CHECK(post.out == "POST application/x-www-form-urlencoded 13:hello cluster\n200");
  // A request that runs longer (1.5 s) than the queue timeout (1 s): once a
  // worker has it, the front end waits for its end (up to --http-timeout).
  CommandResult slow = curl(net, a, a, "/slow");
  INFO(slow.out);
  CHECK(slow.out == "slept\n200");
  // Node B answers its own requests on the fast path.
  CommandResult local = curl(net, a, b, "/whoami");
  CHECK(local.out.find("served by tcp://" + net.address(b) + ":") != std::string::npos);

  // A queue no node serves: 503 with Retry-After once the queue timeout is
  // over, and the job is killed, not left to run later.
  const auto asked = std::chrono::steady_clock::now();
  CommandResult none = curl(net, a, a, "/nopool/x", {"-D", "-"});
  const auto took = std::chrono::steady_clock::now() - asked;
  INFO(none.out);
  CHECK(none.out.find("HTTP/1.1 503") == 0);
  CHECK(none.out.find("retry-after: 1\r\n") != std::string::npos);
  CHECK(none.out.find("no worker in the cluster took it within 1000 ms") != std::string::npos);
  CHECK(took < seconds(5));
  CHECK(wait_until(
      [&] {
        CommandResult killed =
            ctl(net, a, a, {"jobs", "--queue", "nopool", "--state", "killed", "--json"});
        return killed.out.find("\"state\":\"killed\"") != std::string::npos;
      },
      seconds(10)));

  // A's access log says the request went through the cluster, and to B.
  CHECK(has(*nodes[a], "\"GET /whoami\" 200"));
  CHECK(has(*nodes[a], "via=cluster worker=node " + node_id_of(*nodes[b]).substr(0, 8)));
  CHECK(!has(*nodes[b], "via=cluster"));
}

}  // namespace desaster::test
