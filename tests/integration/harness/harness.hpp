// What integration tests need to run real processes: temporary dirs, free
// ports, a desaster node started from its binary, commands run to
// completion, and waiting on a condition with a bound (never a bare sleep).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace desaster::test {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A port P such that P, P+1 and P+2 are free on 127.0.0.1 right now.
std::uint16_t free_port_triplet();

// Polls cond every few ms until it holds or timeout passes; returns its last value.
bool wait_until(const std::function<bool()>& cond,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

// How to start a node other than standalone on 127.0.0.1: a command prefix
// (such as `ip netns exec NS`) and every flag but -d.
struct NodeLaunch {
  std::vector<std::string> prefix;
  std::vector<std::string> args;
};

// A desaster node as a child process (standalone, on 127.0.0.1, unless
// launched otherwise), with its stderr in a log file beside the data dir.
class NodeProcess {
 public:
  NodeProcess(std::string data_dir, std::uint16_t port, std::vector<std::string> extra_args = {});
  NodeProcess(std::string data_dir, std::uint16_t port, NodeLaunch launch);
  ~NodeProcess();  // SIGKILLs a node still running

  // Starts the node and waits until it logs that it listens. On failure
  // returns false and log() says why.
  bool start();
  // Starts the process without waiting (for nodes expected to refuse to start).
  void spawn();
  // Waits for the process to exit; returns its exit status (-signal if killed).
  int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  void kill9();
  // SIGTERM, then waits for the exit; returns its status.
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  void signal(int sig);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string endpoint() const;
  std::uint16_t port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string log() const;
  // CPU time (user + system) the process has used, from /proc.
  std::chrono::milliseconds cpu_time() const;

 private:
  std::string data_dir_;
  std::uint16_t port_;
  std::vector<std::string> extra_args_;
  std::optional<NodeLaunch> launch_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::size_t log_offset_ = 0;  // where this run's lines begin in the log
};

struct CommandResult {
  int exit_status = -1;
  std::string out;
  std::string err;
};

// Runs argv to completion and captures its output.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace desaster::test
