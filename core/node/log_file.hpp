// --log-file: the node's stderr (every log line, and what its children
// inherit) goes to a file, opened for appending; SIGUSR1 opens the path
// again, so logrotate can rename the file and signal, nginx-style. The
// file replaces fd 2 with dup2, so a line is never split between files and
// nothing else needs to know.
//
// Owns its uv_signal_t; callbacks run on the loop thread.
#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "core/model/status.hpp"
#include "core/node/log.hpp"

namespace desaster {

// Opens path (append, create 0640) and makes it fd 2.
Status redirect_stderr_to(const std::string& path);

class LogFile {
 public:
  LogFile(uv_loop_t* loop, const Logger& log, std::string path);
  // Redirects stderr and starts listening for SIGUSR1.
  Status start();
  void close(std::function<void()> done);

 private:
  void reopen();

  const Logger& log_;
  std::string path_;
  uv_signal_t signal_{};
  std::function<void()> done_;
};

}  // namespace desaster
