// A run's outcome becomes the result users read: exit status and error text
// for each way a job can end, including those the real-process tests cannot
// provoke on demand.
#include <catch2/catch.hpp>

#include <signal.h>

#include "workers/shell/run_outcome.hpp"

using desaster::RunOutcome;
using desaster::shell_result_from;

namespace {

// Wait statuses as Linux encodes them (see <bits/waitstatus.h>).
int exited_with(int code) {
  return code << 8;
}
int killed_by(int signal) {
  return signal;
}

RunOutcome reaped(int wait_status) {
  RunOutcome outcome;
  outcome.reaped = true;
  outcome.wait_status = wait_status;
  outcome.usage.ru_utime = {1, 250'000};
  outcome.usage.ru_stime = {0, 5'000};
  outcome.usage.ru_maxrss = 4'096;
  return outcome;
}

}  // namespace

TEST_CASE("a clean exit succeeds and carries the resource use", "[shell][outcome]") {
  const auto result = shell_result_from(reaped(exited_with(0)), 0);
  CHECK(result.succeeded);
  CHECK(result.error.empty());
  CHECK(result.cpu_ms == 1'255);
  CHECK(result.max_rss_kb == 4'096);
}

TEST_CASE("a signal nobody here sent is reported as such", "[shell][outcome]") {
  const auto result = shell_result_from(reaped(killed_by(SIGSEGV)), 0);
  CHECK_FALSE(result.succeeded);
  CHECK(result.exit_status == 128 + SIGSEGV);
  CHECK(result.error == "killed by signal 11");
}

TEST_CASE("a killed job that exited 0 in its trap still failed", "[shell][outcome]") {
  RunOutcome outcome = reaped(exited_with(0));
  outcome.killed = true;
  outcome.kill_reason = "killed on request";
  const auto result = shell_result_from(outcome, 0);
  CHECK_FALSE(result.succeeded);
  CHECK(result.killed);
  CHECK(result.exit_status == 0);
  CHECK(result.error == "killed on request");
}

TEST_CASE("a timeout is named before the signal that ended the job", "[shell][outcome]") {
  RunOutcome outcome = reaped(killed_by(SIGKILL));
  outcome.timed_out = true;
  const auto result = shell_result_from(outcome, 2'500);
  CHECK(result.timed_out);
  CHECK(result.exit_status == 137);
  CHECK(result.error == "timed out after 2500 ms");
}

TEST_CASE("a child reaped by other code reports a lost status", "[shell][outcome]") {
  RunOutcome outcome;
  outcome.reaped = true;
  outcome.status_lost = true;
  const auto result = shell_result_from(outcome, 0);
  CHECK_FALSE(result.succeeded);
  CHECK(result.exit_status == -1);
  CHECK(result.error == "exit status lost: the process was reaped elsewhere");
}

TEST_CASE("a run that never started reports exit status 127", "[shell][outcome]") {
  RunOutcome outcome;
  outcome.not_started = "spawn failed: Permission denied";
  const auto result = shell_result_from(outcome, 0);
  CHECK_FALSE(result.succeeded);
  CHECK(result.exit_status == 127);
  CHECK(result.error == "spawn failed: Permission denied");
}
