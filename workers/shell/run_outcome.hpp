// How a run ended, as the runner learns it piece by piece, and the
// ShellResult it becomes: exit status, the error in words, resource use.
#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <string>

#include "workers/shell/shell_runner.hpp"

namespace desaster {

struct RunOutcome {
  std::string not_started;  // why the run never started; empty once spawned
  bool reaped = false;
  bool status_lost = false;  // reaped by other code: no status, no usage
  int wait_status = 0;
  rusage usage{};
  bool timed_out = false;
  bool killed = false;  // by kill() or close(); kill_reason says which
  std::string kill_reason;
};

// Everything but output_tail and wall_ms, which the runner fills in.
ShellResult shell_result_from(const RunOutcome& outcome, std::uint32_t timeout_ms);

}  // namespace desaster
