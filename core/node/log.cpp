#include "core/node/log.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace desaster {

namespace {
constexpr const char* kLevelNames[] = {"error", "warn", "info", "debug", "trace"};

void append_escaped(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
}

}  // namespace

std::string escape_log_text(std::string_view text) {
  std::string out;
  append_escaped(text, out);
  return out;
}

void Logger::format(LogLevel level, std::string_view message, std::string& out) const {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  const auto ms =
      static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  // The seconds' text is kept per thread: an access line per request would
  // otherwise spend more on gmtime_r and strftime than on the rest.
  thread_local std::time_t stamp_secs = -1;
  thread_local char stamp[32];
  thread_local std::size_t stamp_size = 0;
  if (secs != stamp_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    stamp_size = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    stamp_secs = secs;
  }
  out.append(stamp, stamp_size);
  const char millis[] = {'.',
                         static_cast<char>('0' + ms / 100),
                         static_cast<char>('0' + ms / 10 % 10),
                         static_cast<char>('0' + ms % 10),
                         'Z',
                         ' '};
  out.append(millis, sizeof millis);
  const std::string_view name = kLevelNames[static_cast<int>(level)];
  out += name;
  out.append(name.size() < 5 ? 5 - name.size() : 0, ' ');  // as %-5s
  out += " node=";
  out += node_;
  out += " term=";
  out += std::to_string(term_);
  out += ' ';
  append_escaped(message, out);
  out += '\n';
}

void Logger::log(LogLevel level, std::string_view message) const {
  if (!enabled(level)) return;
  std::string line;
  format(level, message, line);
  // One write per line so lines from one process never interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace desaster
