// Worker assignment against a real node: attaching queues to the shell
// pool, pausing it, draining the node and pinning jobs change what starts,
// at once and without a restart; running jobs finish either way.
//
// "Does not start" is shown without sleeping: the shell pool has a free
// slot all along, so a job that is still queued after a later event (a
// running job finishing, another job finishing) was held back on purpose.
#include "core/model/job_id.hpp"
#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;

namespace {

// A job that runs until the file exists, so the test decides when it ends.
protocol::JobSpec gated_job(const std::string& gate, std::string queue = "default") {
  return shell_job("while [ ! -e '" + gate + "' ]; do sleep 0.02; done", std::move(queue));
}

void open_gate(const std::string& gate) {
  REQUIRE(run_command({"touch", gate}).exit_status == 0);
}

JobId enqueue(RunningNode& n, const protocol::JobSpec& spec) {
  auto id = n.client->enqueue(spec);
  INFO(id.status().message);
  REQUIRE(id.ok());
  return *id;
}

void wait_running(RunningNode& n, JobId id) {
  REQUIRE(wait_until([&] { return n.get(id).state == JobState::running; }));
}

CommandResult ctl(const RunningNode& n, std::vector<std::string> args) {
  args.insert(args.begin(), {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port)});
  return run_command(args);
}

}  // namespace

TEST_CASE("a shell pool attached to one queue leaves the others waiting until detached",
          "[integration][assign]") {
  RunningNode n({"-j", "2"});
  REQUIRE(n.client->attach("shell", "q").ok());
  JobId other = enqueue(n, shell_job("true", "other"));
  JobId mine = enqueue(n, shell_job("true", "q"));
  CHECK(n.wait_final(mine).state == JobState::succeeded);
  CHECK(n.get(other).state == JobState::queued);

  auto list = n.client->assignments();
  REQUIRE(list.ok());
  REQUIRE_FALSE(list->pools.empty());
  CHECK(list->pools[0].pool == "shell");
  REQUIRE(list->pools[0].queues.size() == 1);
  CHECK(list->pools[0].queues[0].name == "q");

  REQUIRE(n.client->detach("shell", "q").ok());
  CHECK(n.wait_final(other).state == JobState::succeeded);
}

TEST_CASE("a paused pool starts nothing new while its running job finishes",
          "[integration][assign]") {
  RunningNode n({"-j", "2"});
  const std::string gate = n.dir.path() + "/gate";
  JobId running = enqueue(n, gated_job(gate));
  wait_running(n, running);
  REQUIRE(n.client->pause_pool("shell").ok());
  JobId later = enqueue(n, shell_job("true"));
  open_gate(gate);
  CHECK(n.wait_final(running).state == JobState::succeeded);
  CHECK(n.get(later).state == JobState::queued);

  REQUIRE(n.client->resume_pool("shell").ok());
  CHECK(n.wait_final(later).state == JobState::succeeded);
}

TEST_CASE("a draining node starts nothing new while its running job finishes",
          "[integration][assign]") {
  RunningNode n({"-j", "2"});
  const std::string gate = n.dir.path() + "/gate";
  JobId running = enqueue(n, gated_job(gate));
  wait_running(n, running);
  CommandResult drained = ctl(n, {"drain"});
  REQUIRE(drained.exit_status == 0);
  CHECK(drained.out.find("draining") != std::string::npos);
  JobId later = enqueue(n, shell_job("true"));
  open_gate(gate);
  CHECK(n.wait_final(running).state == JobState::succeeded);
  CHECK(n.get(later).state == JobState::queued);
  auto nodes = n.client->nodes();
  REQUIRE(nodes.ok());
  CHECK(nodes->nodes.at(0).draining);
  CHECK(ctl(n, {"stats"}).out.find("\"draining\":true") != std::string::npos);

  REQUIRE(ctl(n, {"undrain"}).exit_status == 0);
  CHECK(n.wait_final(later).state == JobState::succeeded);
}

TEST_CASE("a job pinned to a node that does not exist waits, and runs once unpinned",
          "[integration][assign]") {
  RunningNode n({"-j", "2"});
  protocol::JobSpec spec = shell_job("true");
  spec.pin_node = "ghost";
  JobId pinned = enqueue(n, spec);
  JobId free = enqueue(n, shell_job("true"));
  CHECK(n.wait_final(free).state == JobState::succeeded);
  Job waiting = n.get(pinned);
  CHECK(waiting.state == JobState::queued);
  CHECK(waiting.pin_node == "ghost");
  CommandResult shown = ctl(n, {"job", format_job_id(pinned)});
  CHECK(shown.out.find("no such node is known") != std::string::npos);

  CommandResult unpinned = ctl(n, {"unpin", format_job_id(pinned)});
  CHECK(unpinned.exit_status == 0);
  CHECK(n.wait_final(pinned).state == JobState::succeeded);
}

TEST_CASE("a job pinned to this node by id prefix runs here", "[integration][assign]") {
  RunningNode n;
  auto stats = n.client->nodes();
  REQUIRE(stats.ok());
  const std::string self = stats->nodes.at(0).node;
  protocol::JobSpec spec = shell_job("true");
  spec.pin_node = self.substr(0, 8);
  spec.pin_pool = "shell";
  JobId id = enqueue(n, spec);
  Job done = n.wait_final(id);
  CHECK(done.state == JobState::succeeded);
  CHECK(done.pin_node == self);
}

TEST_CASE("desasterctl attach, pools and detach show the shell pool's queues",
          "[integration][assign][ctl]") {
  RunningNode n;
  CHECK(ctl(n, {"attach", "shell", "mail:3"}).exit_status == 0);
  CHECK(ctl(n, {"pause", "--pool", "shell"}).exit_status == 0);
  CommandResult pools = ctl(n, {"pools"});
  CHECK(pools.exit_status == 0);
  CHECK(pools.out.find("mail:3") != std::string::npos);
  CHECK(pools.out.find("yes") != std::string::npos);
  CommandResult unknown = ctl(n, {"attach", "nope", "mail"});
  CHECK(unknown.exit_status == 1);
  CHECK(unknown.err.find("pool 'nope' not found") != std::string::npos);
  CHECK(ctl(n, {"detach", "shell", "mail"}).exit_status == 0);
  CHECK(ctl(n, {"detach", "shell", "mail"}).exit_status == 1);
}
