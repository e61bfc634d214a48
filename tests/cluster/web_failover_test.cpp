// desaster-web in a cluster: it follows one node through the state feed,
// and when that node dies it moves to another node of the cluster (from
// the nodes list it kept), says so in /api/overview, and keeps answering
// with the jobs written through the new leader. desaster-web runs in a
// surviving node's namespace and is asked with curl from there.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/cluster/harness/cluster_nodes.hpp"
#include "tests/integration/web/web_harness.hpp"

namespace desaster::test {

namespace {

using nlohmann::json;
using std::chrono::seconds;

json get(const TestNetwork& net, int from, const std::string& path) {
  const CommandResult r =
      net.run_in(from, {"curl", "-s", "-m", "3", "http://127.0.0.1:2690" + path}, seconds(10));
  json doc = json::parse(r.out, nullptr, false);
  return doc.is_discarded() ? json::object() : doc;
}

}  // namespace

TEST_CASE("desaster-web moves to another node when its node dies", "[cluster][web]") {
  const std::string unavailable = network_namespaces_unavailable();
  INFO(unavailable);
  REQUIRE(unavailable.empty());
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < net.size(); ++i) {
    nodes.push_back(clustered_node(net, dir.path(), i));
    REQUIRE(nodes.back()->start());
  }
  REQUIRE(wait_until([&] { return all_voters(nodes); }, seconds(30)));

  // desaster-web lives in node 0's namespace and talks to node 1.
  const int host = 0;
  const int followed = 1;
  const std::string followed_endpoint = "tcp://" + net.address(followed) + ":2691";
  web::WebProcess webp(dir.path(), {"-c", net.address(followed) + ":2691"}, net.exec_prefix(host));
  INFO(webp.log());
  REQUIRE(webp.start());
  REQUIRE(wait_until(
      [&] {
        const json o = get(net, host, "/api/overview");
        return o.value("connection_state", "") == "connected" && o["nodes"].size() == 3;
      },
      seconds(30)));
  CHECK(get(net, host, "/api/overview")["connected_to"] == followed_endpoint);

  nodes[followed]->kill9();
  json moved;
  const bool ok = wait_until(
      [&] {
        moved = get(net, host, "/api/overview");
        return moved.value("connection_state", "") == "connected" &&
               moved.value("connected_to", "") != followed_endpoint;
      },
      seconds(60));
  INFO(moved.dump());
  REQUIRE(ok);

  // Jobs written through the cluster's (possibly new) leader show up.
  std::string id;
  REQUIRE(wait_until(
      [&] {
        const CommandResult r =
            ctl(net, host, host, {"enqueue", "--queue", "after-failover", "--", "true"}, "5s");
        if (r.exit_status == 0) id = trim(r.out);
        return !id.empty();
      },
      seconds(60)));
  CHECK(wait_until(
      [&] { return get(net, host, "/api/jobs/" + id).value("queue", "") == "after-failover"; },
      seconds(20)));
}

}  // namespace desaster::test
