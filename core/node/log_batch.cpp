#include "core/node/log_batch.hpp"

#include <unistd.h>

#include <cerrno>

namespace desaster {

LogBatch::LogBatch(uv_loop_t* loop, const Logger& log, LogLevel level) : log_(log), level_(level) {
  prepare_ = new uv_prepare_t;
  uv_prepare_init(loop, prepare_);
  prepare_->data = this;
  uv_prepare_start(prepare_, [](uv_prepare_t* p) noexcept {
    if (p->data) static_cast<LogBatch*>(p->data)->flush();
  });
  // It runs every turn but never keeps the loop alive on its own.
  uv_unref(reinterpret_cast<uv_handle_t*>(prepare_));
}

LogBatch::~LogBatch() {
  flush();
  if (prepare_) prepare_->data = nullptr;
}

void LogBatch::close() {
  flush();
  if (!prepare_) return;
  uv_close(reinterpret_cast<uv_handle_t*>(prepare_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_prepare_t*>(h); });
  prepare_ = nullptr;
}

void LogBatch::add(std::string_view message) {
  if (!log_.enabled(level_)) return;
  const std::size_t before = pending_.size();
  log_.format(level_, message, pending_);
  if (!prepare_) return flush();  // closed: nothing would write it later
  if (pending_.size() <= kMaxBatch) return;
  if (before == 0) return flush();  // one long line: alone
  // The new line starts the next batch.
  std::string line = pending_.substr(before);
  pending_.resize(before);
  flush();
  pending_ = std::move(line);
  if (pending_.size() > kMaxBatch) flush();
}

// As Logger::log writes: to fd 2, whatever it is now (--log-file dup2s it).
void LogBatch::flush() {
  std::size_t done = 0;
  while (done < pending_.size()) {
    const ssize_t n = ::write(2, pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // nowhere to log to: the lines are dropped, as fprintf's would be
    done += static_cast<std::size_t>(n);
  }
  pending_.clear();
}

}  // namespace desaster
