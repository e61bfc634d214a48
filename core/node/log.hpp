// One line per event on stderr: UTC time, level, node id, term, message.
// The node owns one Logger and passes it to what logs; nothing is global.
// Messages often quote what a client sent (a worker's name, a queue), so
// every control character is escaped: no client can end a line and forge
// the next one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace desaster {

// text with \n, \r, \t as such and every other control byte (and DEL) as
// \xNN; everything else, UTF-8 included, as it is.
std::string escape_log_text(std::string_view text);

enum class LogLevel : std::uint8_t { error, warn, info, debug, trace };

class Logger {
 public:
  void set_verbosity(int verbosity) { verbosity_ = verbosity; }
  void set_node(std::string node_id) { node_ = std::move(node_id); }
  void set_term(std::uint64_t term) { term_ = term; }

  bool enabled(LogLevel level) const {
    return static_cast<int>(level) <= static_cast<int>(LogLevel::info) + verbosity_;
  }
  void log(LogLevel level, std::string_view message) const;
  // Appends the line log() would write (with its newline) to out; for
  // callers that write many lines at once (LogBatch).
  void format(LogLevel level, std::string_view message, std::string& out) const;

  void error(std::string_view m) const { log(LogLevel::error, m); }
  void warn(std::string_view m) const { log(LogLevel::warn, m); }
  void info(std::string_view m) const { log(LogLevel::info, m); }
  void debug(std::string_view m) const {
    if (enabled(LogLevel::debug)) log(LogLevel::debug, m);
  }

 private:
  int verbosity_ = 0;
  std::string node_ = "-";
  std::uint64_t term_ = 0;
};

}  // namespace desaster
