// Log lines written in batches: one write(2) for every line logged during a
// loop turn instead of one per line. The HTTP front end's access log says a
// line per request; under load that write was one syscall (and a file
// system write) per request. Lines are formatted when they are added (their
// time is the event's) and written before the loop next waits for I/O, or
// as soon as a batch would pass kMaxBatch bytes (a write to a pipe up to
// PIPE_BUF is atomic, so a child's line never lands inside the batch).
//
// Ownership: owns its uv_prepare_t (freed in its close callback, see close()).
// Threading: loop thread only.
#pragma once

#include <string>
#include <string_view>

#include <uv.h>

#include "core/node/log.hpp"

namespace desaster {

class LogBatch {
 public:
  static constexpr std::size_t kMaxBatch = 4096;

  LogBatch(uv_loop_t* loop, const Logger& log, LogLevel level);
  // Writes what is left. A batch never closed leaves its handle to the
  // loop (stopped, unreferenced): the node's loop may be gone by then.
  ~LogBatch();
  LogBatch(const LogBatch&) = delete;
  LogBatch& operator=(const LogBatch&) = delete;

  void add(std::string_view message);
  // Writes the lines held now (before another line that must follow them).
  void flush();
  // Writes what is left and closes the handle; later lines are written at once.
  void close();

 private:
  const Logger& log_;
  LogLevel level_;
  std::string pending_;
  uv_prepare_t* prepare_ = nullptr;
};

}  // namespace desaster
