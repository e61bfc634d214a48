// Turns a run's outcome into its ShellResult; see run_outcome.hpp. The error
// texts are what users read in listings, so they are fixed here in one place.
#include "workers/shell/run_outcome.hpp"

#include "workers/shell/child_process.hpp"

namespace desaster {

namespace {

// What a shell answers for a command it cannot run.
constexpr std::int32_t kNotStartedExitStatus = 127;

std::uint64_t milliseconds(const timeval& time) {
  return static_cast<std::uint64_t>(time.tv_sec) * 1000 +
         static_cast<std::uint64_t>(time.tv_usec) / 1000;
}

}  // namespace

ShellResult shell_result_from(const RunOutcome& outcome, std::uint32_t timeout_ms) {
  ShellResult result;
  result.timed_out = outcome.timed_out;
  result.killed = outcome.killed;
  if (!outcome.not_started.empty()) {
    result.exit_status = kNotStartedExitStatus;
    result.error = outcome.not_started;
    return result;
  }
  if (outcome.status_lost) {
    result.exit_status = -1;
    result.error = "exit status lost: the process was reaped elsewhere";
    return result;
  }
  result.cpu_ms = milliseconds(outcome.usage.ru_utime) + milliseconds(outcome.usage.ru_stime);
  result.max_rss_kb = static_cast<std::uint64_t>(outcome.usage.ru_maxrss);
  const ChildExit exit = child_exit_from_wait_status(outcome.wait_status);
  result.exit_status = exit.exit_status;
  if (outcome.timed_out) {
    result.error = "timed out after " + std::to_string(timeout_ms) + " ms";
  } else if (outcome.killed) {
    result.error = outcome.kill_reason;
  } else if (exit.signal != 0) {
    result.error = "killed by signal " + std::to_string(exit.signal);
  } else if (exit.exit_status != 0) {
    result.error = "exit status " + std::to_string(exit.exit_status);
  }
  result.succeeded = result.error.empty();
  return result;
}

}  // namespace desaster
