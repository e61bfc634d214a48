// Killing a running Ruby job: the pool terminates the worker running it
// and replaces it; the job ends killed and is not retried.
#include <signal.h>

#include <fstream>
#include <sstream>

#include <msgpack.hpp>

#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;
using namespace std::chrono_literals;

namespace {

// Not from __FILE__: a compiler cache may rewrite it relative to the build.
const std::string kAppSource = std::string(DESASTER_SOURCE_DIR) + "/tests/integration/ruby_apps";

std::vector<protocol::PoolWorkerSummary> workers(RunningNode& n) {
  auto pools = n.client->pools();
  REQUIRE(pools.ok());
  REQUIRE(pools->size() == 1);
  return pools->front().workers;
}

}  // namespace

TEST_CASE("killing a running Ruby job terminates and replaces its worker",
          "[integration][ruby][actions]") {
  RunningNode n({"--kill-grace", "2s"});
  const std::string app = n.dir.path() + "/app";
  REQUIRE(run_command({"mkdir", "-p", app}).exit_status == 0);
  {
    std::ifstream in(kAppSource + "/jobs.rb");
    std::stringstream s;
    s << in.rdbuf();
    std::ofstream(app + "/jobs.rb") << s.str();
  }
  PoolSpec pool;
  pool.name = "jobs";
  pool.dir = app;
  pool.require_files = {app + "/jobs.rb"};
  pool.queues = {{"rb", 1}};
  REQUIRE(n.client->pool_add(pool).ok());
  REQUIRE(wait_until(
      [&] {
        auto w = workers(n);
        return w.size() == 1 && w[0].state == "idle";
      },
      60s));

  protocol::JobSpec spec;
  spec.queue = "rb";
  spec.kind = JobKind::ruby;
  spec.job_class = "SleepJob";
  msgpack::sbuffer args;
  msgpack::packer<msgpack::sbuffer>(args).pack(std::vector<int>{300});
  spec.payload.assign(args.data(), args.size());
  spec.retry.max_attempts = 5;
  auto id = n.client->enqueue(spec);
  REQUIRE(id.ok());
  REQUIRE(wait_until([&] { return workers(n).at(0).state == "busy"; }));
  const std::int64_t busy_pid = workers(n).at(0).pid;

  REQUIRE(n.client->kill({*id}).value().done == 1);
  // A new worker (another process) takes the old one's place.
  CHECK(wait_until(
      [&] {
        auto w = workers(n);
        return w.size() == 1 && w[0].state == "idle" && w[0].pid != busy_pid;
      },
      30s));
  CHECK(::kill(static_cast<pid_t>(busy_pid), 0) != 0);
  CHECK(wait_until([&] { return n.get(*id).duplicate_runs == 1; }));
  Job job = n.get(*id);
  CHECK(job.state == JobState::killed);
  CHECK(job.attempts == 1);
  auto pools = n.client->pools();
  REQUIRE(pools.ok());
  CHECK(pools->front().died == 0);  // stopped on purpose, not a crash
}
