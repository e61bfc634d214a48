// posix_spawn with the attributes and file actions a job needs; see
// child_process.hpp. posix_spawn rather than fork: glibc implements it with
// clone(CLONE_VM | CLONE_VFORK), which costs the same for a node with a large
// heap as for a small one, and it reports a failed exec as its return value.
#include "workers/shell/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <vector>

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace desaster {

namespace {

// The node's environment with the job's variables replacing or adding entries.
std::vector<std::string> child_environment(const ShellCommand& command) {
  std::vector<std::string> entries;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string name(text.substr(0, text.find('=')));
    if (command.env.find(name) == command.env.end()) entries.emplace_back(text);
  }
  for (const auto& [name, value] : command.env) entries.push_back(name + "=" + value);
  return entries;
}

std::vector<std::string> child_arguments(const ShellCommand& command) {
  if (!command.argv.empty()) return command.argv;
  return {"sh", "-c", command.sh};
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Owns the posix_spawn attribute objects for the length of one spawn.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawnattr_init(&attributes_);
    posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attributes_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  int prepare(const ShellCommand& command, int output_write_fd) {
    sigset_t empty;
    sigemptyset(&empty);
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    const short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (int error = posix_spawnattr_setflags(&attributes_, flags)) return error;
    if (int error = posix_spawnattr_setpgroup(&attributes_, 0)) return error;
    if (int error = posix_spawnattr_setsigmask(&attributes_, &empty)) return error;
    if (int error = posix_spawnattr_setsigdefault(&attributes_, &all)) return error;
    // The dup2s come before stdin is opened: should the pipe have landed on
    // fd 0, 1 or 2 (the node started with them closed), opening /dev/null
    // first would replace it.
    if (int error = posix_spawn_file_actions_adddup2(&actions_, output_write_fd, STDOUT_FILENO)) {
      return error;
    }
    if (int error = posix_spawn_file_actions_adddup2(&actions_, output_write_fd, STDERR_FILENO)) {
      return error;
    }
    if (int error =
            posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0)) {
      return error;
    }
    if (!command.cwd.empty()) {
      if (int error = posix_spawn_file_actions_addchdir_np(&actions_, command.cwd.c_str())) {
        return error;
      }
    }
    return 0;
  }

  const posix_spawnattr_t* attributes() const { return &attributes_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attributes_;
  posix_spawn_file_actions_t actions_;
};

}  // namespace

int spawn_child(const ShellCommand& command, SpawnedChild& out) {
  std::vector<std::string> arguments = child_arguments(command);
  std::vector<std::string> environment = child_environment(command);
  std::vector<char*> argv = pointers_to(arguments);
  std::vector<char*> envp = pointers_to(environment);

  // Both ends close-on-exec: the child gets the write end only through the
  // dup2s, and children spawned concurrently by other code get neither.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return errno;
  SpawnSetup setup;
  int error = setup.prepare(command, fds[1]);
  pid_t pid = -1;
  if (error == 0) {
    const bool search_path =
        !command.argv.empty() && command.argv.front().find('/') == std::string::npos;
    const char* path = command.argv.empty() ? "/bin/sh" : argv.front();
    error = search_path ? posix_spawnp(&pid, path, setup.actions(), setup.attributes(), argv.data(),
                                       envp.data())
                        : posix_spawn(&pid, path, setup.actions(), setup.attributes(), argv.data(),
                                      envp.data());
  }
  ::close(fds[1]);
  if (error != 0) {
    ::close(fds[0]);
    return error;
  }
  out.pid = pid;
  out.output_fd = fds[0];
  return 0;
}

ChildExit child_exit_from_wait_status(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    const int signal = WTERMSIG(wait_status);
    return {128 + signal, signal};
  }
  return {WEXITSTATUS(wait_status), 0};
}

ReapResult reap_child(pid_t pid, bool kill_group_first, int& wait_status, rusage& usage) {
  if (kill_group_first) {
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
      if (info.si_pid == 0) return ReapResult::running;
      ::kill(-pid, SIGKILL);
    }
  }
  const pid_t reaped = wait4(pid, &wait_status, WNOHANG, &usage);
  if (reaped > 0) return ReapResult::reaped;
  if (reaped == 0 || errno == EINTR) return ReapResult::running;
  return ReapResult::lost;
}

}  // namespace desaster
