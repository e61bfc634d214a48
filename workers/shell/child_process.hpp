// Starting one shell job as a child process, and reading back how it ended.
//
// The child runs in a process group of its own (so a timeout can signal the
// job and everything it started), with default signal dispositions and an
// empty signal mask (whatever the node blocks or ignores is not inherited),
// stdin on /dev/null, and stdout and stderr on the write end of one pipe.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "core/model/shell_command.hpp"

namespace desaster {

struct SpawnedChild {
  pid_t pid = -1;      // also the id of its process group
  int output_fd = -1;  // read end of the output pipe; close-on-exec; the caller owns it
};

// Spawns the command: argv[0] is looked up in the node's PATH when it holds
// no '/', the sh form runs as /bin/sh -c STRING. The environment is the
// node's, with command.env laid over it. Returns 0 or the errno of the
// failure, including a failed chdir or exec in the child (glibc's
// posix_spawn reports those).
int spawn_child(const ShellCommand& command, SpawnedChild& out);

// How a reaped child ended, in the terms of ShellResult.
struct ChildExit {
  std::int32_t exit_status = 0;  // exit code, or 128 + signal number
  int signal = 0;                // the signal that ended it, 0 if it exited
};
ChildExit child_exit_from_wait_status(int wait_status);

enum class ReapResult {
  running,  // not exited yet
  reaped,   // wait_status and usage are filled in
  lost,     // ECHILD: other code in the process reaped it (waitpid(-1))
};
// Reaps pid if it has exited, without blocking. With kill_group_first the
// group gets SIGKILL before the reap, while the exited leader still pins the
// group id: the grandchildren of a killed job die with it, and the signal
// cannot reach a process that merely reused the id.
ReapResult reap_child(pid_t pid, bool kill_group_first, int& wait_status, rusage& usage);

}  // namespace desaster
