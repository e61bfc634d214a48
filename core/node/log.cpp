#include "core/node/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace desaster {

namespace {
constexpr const char* kLevelNames[] = {"error", "warn", "info", "debug", "trace"};
}

std::string escape_log_text(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
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
  return out;
}

void Logger::log(LogLevel level, std::string_view message) const {
  if (!enabled(level)) return;
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  const std::string line = escape_log_text(message);
  // One fprintf per line so lines from one process never interleave.
  std::fprintf(stderr, "%s.%03lldZ %-5s node=%s term=%llu %.*s\n", stamp,
               static_cast<long long>(ms), kLevelNames[static_cast<int>(level)], node_.c_str(),
               static_cast<unsigned long long>(term_), static_cast<int>(line.size()), line.data());
}

}  // namespace desaster
