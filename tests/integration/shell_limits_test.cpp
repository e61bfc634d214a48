// The shell pool's per-job limits (desaster --job-memory, --job-cpu,
// --limit-grace): a job whose process group stays over a limit past the
// grace is stopped and failed, saying which limit; jobs under the limits
// are untouched. The memory is held by a child of `sh -c`, as in a real
// script, so the group's whole RSS is what counts.
#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;
using namespace std::chrono_literals;

namespace {

protocol::ShellLimits shell_limits(RunningNode& n) {
  protocol::Resources now_only;
  now_only.series = "none";
  auto r = n.client->resources(now_only);
  INFO(r.status().message);
  REQUIRE(r.ok());
  return r->shell_limits;
}

// A child process holding `megabytes` of touched memory for `seconds`.
std::string hog(int megabytes, int seconds) {
  return "ruby -e 'h = \"x\" * (" + std::to_string(megabytes) + " << 20); sleep " +
         std::to_string(seconds) + "; puts h.size'; echo after";
}

}  // namespace

TEST_CASE("a shell job over the memory limit past the grace is stopped and fails saying so",
          "[integration][monitor][limits]") {
  RunningNode n({"--job-memory", "64", "--limit-grace", "1s", "--kill-grace", "1s"});
  auto spec = shell_job(hog(160, 60));
  spec.retry.max_attempts = 1;
  auto id = n.client->enqueue(spec);
  REQUIRE(id.ok());
  Job job = n.wait_final(*id, 40s);
  INFO(job.last_error);
  INFO(n.node.log());
  CHECK(job.state == JobState::dead);
  CHECK(job.last_error.find("killed over the shell pool's memory limit") != std::string::npos);
  CHECK(job.last_error.find("limit 64 MiB") != std::string::npos);
  protocol::ShellLimits limits = shell_limits(n);
  CHECK(limits.memory_mb == 64);
  CHECK(limits.grace_ms == 1000);
  CHECK(limits.killed_over_memory == 1);
  CHECK(limits.killed_over_cpu == 0);
  CHECK(n.node.log().find("over its memory limit") != std::string::npos);
}

TEST_CASE("a shell job under its limits runs to the end", "[integration][monitor][limits]") {
  RunningNode n({"--job-memory", "256", "--limit-grace", "1s"});
  auto id = n.client->enqueue(shell_job(hog(16, 2)));
  REQUIRE(id.ok());
  Job job = n.wait_final(*id, 40s);
  INFO(job.last_error);
  CHECK(job.state == JobState::succeeded);
  CHECK(shell_limits(n).killed_over_memory == 0);
}

TEST_CASE("a node without limits reports none", "[integration][monitor][limits]") {
  RunningNode n;
  protocol::ShellLimits limits = shell_limits(n);
  CHECK(limits.memory_mb == 0);
  CHECK(limits.cpu_percent == 0);
  CHECK(limits.grace_ms == 30'000);
}
