#include "core/node/log.hpp"

#include <algorithm>
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

void Logger::format(LogLevel level, std::string_view message, std::string& out) const {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char head[128];
  std::size_t n = std::strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm);
  const int more =
      std::snprintf(head + n, sizeof head - n, ".%03lldZ %-5s node=", static_cast<long long>(ms),
                    kLevelNames[static_cast<int>(level)]);
  if (more > 0) n += static_cast<std::size_t>(more);
  out.append(head, std::min(n, sizeof head - 1));
  out += node_;
  out += " term=";
  out += std::to_string(term_);
  out += ' ';
  out += escape_log_text(message);
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
