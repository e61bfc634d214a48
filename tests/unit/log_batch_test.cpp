// LogBatch: lines logged during a loop turn reach fd 2 together, before
// the loop waits again, whole and in order.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include <uv.h>

#include "core/node/log_batch.hpp"

using namespace desaster;

namespace {

// fd 2 goes to a temporary file for the test's life.
class CapturedStderr {
 public:
  CapturedStderr() {
    std::fflush(stderr);
    char path[] = "/tmp/desaster-log-batch-XXXXXX";
    fd_ = ::mkstemp(path);
    ::unlink(path);
    saved_ = ::dup(2);
    ::dup2(fd_, 2);
  }
  ~CapturedStderr() {
    ::dup2(saved_, 2);
    ::close(saved_);
    ::close(fd_);
  }
  std::string text() const {
    std::string out;
    char buffer[8192];
    ssize_t n = 0;
    off_t at = 0;
    while ((n = ::pread(fd_, buffer, sizeof buffer, at)) > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      at += n;
    }
    return out;
  }

 private:
  int fd_ = -1;
  int saved_ = -1;
};

std::size_t lines_in(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("batched log lines are written at the end of the loop turn, whole and in order",
          "[log]") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  // The batch's handle never keeps a loop running; the node's others do.
  uv_timer_t busy;
  uv_timer_init(&loop, &busy);
  uv_timer_start(
      &busy, [](uv_timer_t*) {}, 60'000, 0);
  Logger log;
  log.set_node("n1");
  {
    CapturedStderr err;
    LogBatch batch(&loop, log, LogLevel::info);
    batch.add("first");
    batch.add("second\nforged");
    CHECK(err.text().empty());  // held until the loop turns
    uv_run(&loop, UV_RUN_NOWAIT);
    const std::string text = err.text();
    CHECK(lines_in(text) == 2);
    CHECK(text.find("info  node=n1 term=0 first\n") != std::string::npos);
    CHECK(text.find("second\\nforged\n") > text.find("first"));  // escaped, in order

    // Past kMaxBatch bytes the batch is written at once, at a line's end.
    const std::string long_line(1000, 'x');
    for (int i = 0; i < 5; ++i) batch.add(long_line);
    const std::string early = err.text();
    // Three lines of ~1050 bytes fit in 4096; the fourth sends them.
    CHECK(lines_in(early) == 5);
    CHECK(early.back() == '\n');
    batch.flush();
    CHECK(lines_in(err.text()) == 7);

    // Closed: a line is written at once, nothing waits for a turn.
    batch.close();
    batch.add("after close");
    CHECK(err.text().find("after close\n") != std::string::npos);

    // Lines under the level are not kept.
    LogBatch debug_lines(&loop, log, LogLevel::debug);
    debug_lines.add("quiet");
    debug_lines.close();
    CHECK(err.text().find("quiet") == std::string::npos);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&busy), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
