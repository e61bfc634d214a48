// A write sent through a follower while no leader is known waits for the
// next leader instead of being refused: the client that wrote through the
// survivor of a failover gets its acknowledgement, not an error to retry.
// A write already forwarded when the leader changes waits for the old
// leader's answer, as long: past it, its fate is unknown and it is refused.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <future>
#include <string>

#include "tests/cluster/harness/cluster_jobs.hpp"
#include "tests/cluster/harness/namespace_thread.hpp"
#include "tests/integration/harness/fixtures.hpp"
#include "transport/client/client.hpp"

namespace desaster::test {

namespace {

using std::chrono::seconds;

// No row of the node's own `nodes` listing is the leader.
bool knows_no_leader(const TestNetwork& net, int node) {
  CommandResult r = ctl(net, node, node, {"nodes", "--json"}, "2s");
  return r.exit_status == 0 && r.out.find("\"role\":\"leader\"") == std::string::npos;
}

}  // namespace

TEST_CASE("a write through a follower that knows no leader is held and acknowledged by the next",
          "[cluster][failover]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(clustered_node(net, dir.path(), i, {"-j", "2", "--leaderless-hold", "15s"}));
    REQUIRE(nodes.back()->start());
  }
  const bool formed = wait_until([&] { return all_voters(nodes); }, seconds(20));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  const int leader = leader_of(nodes);
  REQUIRE(leader >= 0);
  const int survivor = (leader + 1) % 3;
  const int other = (leader + 2) % 3;
  REQUIRE_FALSE(jobs::enqueue(net, survivor, "true").empty());

  // The leader and one follower stop: the survivor alone cannot elect.
  nodes[leader]->signal(SIGSTOP);
  nodes[other]->signal(SIGSTOP);
  const bool leaderless = wait_until([&] { return knows_no_leader(net, survivor); }, seconds(10));
  if (!leaderless) dump_logs(nodes);
  REQUIRE(leaderless);

  auto write = std::async(std::launch::async, [&] {
    return ctl(net, survivor, survivor, {"enqueue", "--sh", "--", "echo held"}, "30s");
  });
  // Without the hold the write comes back at once, refused; with it, it is
  // still waiting while no leader can be elected.
  REQUIRE(write.wait_for(seconds(2)) == std::future_status::timeout);

  // The other follower comes back: the two elect a leader, and the held
  // write is passed on and acknowledged.
  nodes[other]->signal(SIGCONT);
  REQUIRE(write.wait_for(seconds(25)) == std::future_status::ready);
  const CommandResult r = write.get();
  INFO(r.out << r.err);
  if (r.exit_status != 0) dump_logs(nodes);
  REQUIRE(r.exit_status == 0);
  const std::string id = trim(r.out);
  REQUIRE_FALSE(id.empty());
  CHECK(wait_until([&] { return missing_on(net, survivor, {id}) == 0; }, seconds(10)));

  nodes[leader]->signal(SIGCONT);
}

TEST_CASE(
    "a write forwarded to a leader that stops answering is refused once the next leader has "
    "waited --leaderless-hold for it",
    "[cluster][failover]") {
  require_network();
  TestNetwork net(3);
  TempDir dir;
  Nodes nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(clustered_node(net, dir.path(), i, {"-j", "2", "--leaderless-hold", "2s"}));
    REQUIRE(nodes.back()->start());
  }
  const bool formed = wait_until([&] { return all_voters(nodes); }, seconds(20));
  if (!formed) dump_logs(nodes);
  REQUIRE(formed);
  const int leader = leader_of(nodes);
  REQUIRE(leader >= 0);
  const int follower = (leader + 1) % 3;

  // The client is connected before the leader stops, so the write reaches
  // the follower long before it could notice (an election timeout): the
  // follower forwards it to the stopped leader, which never answers.
  Status first = Status::error(ErrorCode::internal, "not sent");
  Status answer = Status::error(ErrorCode::internal, "not sent");
  std::chrono::milliseconds waited{0};
  NamespaceThread writer(net, follower, [&] {
    ClientOptions options;
    options.endpoint = "tcp://" + net.address(follower) + ":" + std::to_string(kClusterPort);
    options.timeout = seconds(30);
    auto client = Client::connect(options);
    if (!client.ok()) {
      first = client.status();
      return;
    }
    auto through = (*client)->enqueue(shell_job("true"));
    first = through.ok() ? Status::success() : through.status();
    if (!through.ok()) return;
    nodes[leader]->signal(SIGSTOP);
    const auto sent = std::chrono::steady_clock::now();
    auto result = (*client)->enqueue(shell_job("true"));
    waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - sent);
    answer = result.ok() ? Status::success() : result.status();
  });
  writer.join();
  nodes[leader]->signal(SIGCONT);
  REQUIRE(writer.failure().empty());
  INFO("first write: " << first.message);
  REQUIRE(first.ok());
  INFO("answer after " << waited.count() << " ms: " << answer.message);
  if (answer.code != ErrorCode::unavailable) dump_logs(nodes);
  CHECK(answer.code == ErrorCode::unavailable);
  CHECK(answer.message.find("did not answer within --leaderless-hold") != std::string::npos);
  // Refused at the leader change, it would have come back within an
  // election or so; it waited the hold after that change.
  CHECK(waited >= seconds(2));
}

}  // namespace desaster::test
