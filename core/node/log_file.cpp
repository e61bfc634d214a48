#include "core/node/log_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace desaster {

Status redirect_stderr_to(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Status::error(ErrorCode::unavailable,
                         "cannot open the log file " + path + ": " + std::strerror(errno));
  }
  std::fflush(stderr);
  // dup2 clears FD_CLOEXEC on fd 2: children (shell jobs' pools, Ruby
  // masters) log into the same file.
  const int rc = ::dup2(fd, STDERR_FILENO);
  const int saved = errno;
  ::close(fd);
  if (rc < 0) {
    return Status::error(ErrorCode::unavailable,
                         "cannot log to " + path + ": " + std::strerror(saved));
  }
  return {};
}

LogFile::LogFile(uv_loop_t* loop, const Logger& log, std::string path)
    : log_(log), path_(std::move(path)) {
  uv_signal_init(loop, &signal_);
  signal_.data = this;
}

Status LogFile::start() {
  if (Status s = redirect_stderr_to(path_); !s.ok()) return s;
  uv_signal_start(
      &signal_, [](uv_signal_t* h, int) noexcept { static_cast<LogFile*>(h->data)->reopen(); },
      SIGUSR1);
  return {};
}

void LogFile::reopen() {
  if (Status s = redirect_stderr_to(path_); !s.ok()) {
    // Still logging to the old file, which is where this line goes.
    log_.error("SIGUSR1: " + s.message + "; logging on to the file open before");
    return;
  }
  log_.info("SIGUSR1: reopened the log file " + path_);
}

void LogFile::close(std::function<void()> done) {
  done_ = std::move(done);
  uv_close(reinterpret_cast<uv_handle_t*>(&signal_), [](uv_handle_t* h) noexcept {
    auto* self = static_cast<LogFile*>(h->data);
    auto finished = std::move(self->done_);
    finished();
  });
}

}  // namespace desaster
