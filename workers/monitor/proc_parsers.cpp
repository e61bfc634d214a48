#include "workers/monitor/proc_parsers.hpp"

#include <charconv>
#include <cmath>
#include <vector>

namespace desaster::monitor {

namespace {

Status bad(std::string_view file, const std::string& what) {
  return Status::error(ErrorCode::bad_request, std::string(file) + ": " + what);
}

// Splits on runs of spaces (and tabs); empty fields never appear.
std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool to_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool to_i64(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool to_load(std::string_view text, double& out) {
  if (text.empty() || text.front() == '-' || text.front() == '+') return false;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), out, std::chars_format::fixed);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(out);
}

std::string_view first_line(std::string_view text) {
  std::size_t end = text.find('\n');
  return end == std::string_view::npos ? text : text.substr(0, end);
}

// The value of "Key:   123 kB" lines, by key; false when absent.
bool kb_field(std::string_view text, std::string_view key, std::uint64_t& out, Status& error,
              std::string_view file) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':')
      continue;
    std::vector<std::string_view> w = words(line.substr(key.size() + 1));
    if (w.empty() || w.size() > 2 || (w.size() == 2 && w[1] != "kB") || !to_u64(w[0], out)) {
      error = bad(file, std::string(key) + " is not '<number> kB'");
      return false;
    }
    return true;
  }
  return false;
}

}  // namespace

Result<CpuTimes> parse_proc_stat(std::string_view text) {
  std::vector<std::string_view> w = words(first_line(text));
  if (w.empty() || w[0] != "cpu") return bad("/proc/stat", "the first line is not the 'cpu' line");
  // user nice system idle iowait irq softirq steal [guest guest_nice]
  if (w.size() < 5) return bad("/proc/stat", "the cpu line has fewer than 4 counters");
  CpuTimes t;
  for (std::size_t i = 1; i < w.size(); ++i) {
    std::uint64_t v = 0;
    if (!to_u64(w[i], v)) {
      return bad("/proc/stat", "cpu counter " + std::to_string(i) + " is not a number");
    }
    if (i > 8) continue;  // guest time is part of user and nice already
    if (t.total + v < t.total) return bad("/proc/stat", "the cpu counters overflow");
    t.total += v;
    if (i == 4 || i == 5) t.idle += v;  // idle, iowait
  }
  return t;
}

Result<ProcessStat> parse_pid_stat(std::string_view text) {
  text = first_line(text);
  std::size_t open = text.find(" (");
  std::size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open + 2) {
    return bad("/proc/PID/stat", "no '(comm)' after the pid");
  }
  ProcessStat s;
  if (!to_i64(text.substr(0, open), s.pid) || s.pid <= 0) {
    return bad("/proc/PID/stat", "the pid is not a positive number");
  }
  s.comm = std::string(text.substr(open + 2, close - open - 2));
  std::vector<std::string_view> w = words(text.substr(close + 1));
  // w[0] is field 3 (state); starttime is field 22, so w[19].
  if (w.size() < 20) return bad("/proc/PID/stat", "fewer than 22 fields");
  if (w[0].size() != 1) return bad("/proc/PID/stat", "the state is not one letter");
  s.state = w[0][0];
  if (!to_i64(w[1], s.ppid)) return bad("/proc/PID/stat", "ppid is not a number");
  if (!to_i64(w[2], s.pgrp)) return bad("/proc/PID/stat", "pgrp is not a number");
  if (!to_u64(w[11], s.utime)) return bad("/proc/PID/stat", "utime is not a number");
  if (!to_u64(w[12], s.stime)) return bad("/proc/PID/stat", "stime is not a number");
  if (!to_u64(w[19], s.starttime)) return bad("/proc/PID/stat", "starttime is not a number");
  return s;
}

Result<std::uint64_t> parse_status_rss_kb(std::string_view text) {
  Status error;
  std::uint64_t rss = 0;
  if (kb_field(text, "VmRSS", rss, error, "/proc/PID/status")) return rss;
  if (!error.ok()) return error;
  if (text.find("Name:") == std::string_view::npos) {
    return bad("/proc/PID/status", "no Name: line (not a status file)");
  }
  return std::uint64_t{0};
}

Result<MemInfo> parse_meminfo(std::string_view text) {
  Status error;
  MemInfo m;
  if (!kb_field(text, "MemTotal", m.total_kb, error, "/proc/meminfo")) {
    return error.ok() ? bad("/proc/meminfo", "no MemTotal") : error;
  }
  if (kb_field(text, "MemAvailable", m.available_kb, error, "/proc/meminfo")) return m;
  if (!error.ok()) return error;
  std::uint64_t free_kb = 0, buffers = 0, cached = 0;
  if (!kb_field(text, "MemFree", free_kb, error, "/proc/meminfo")) {
    return error.ok() ? bad("/proc/meminfo", "neither MemAvailable nor MemFree") : error;
  }
  kb_field(text, "Buffers", buffers, error, "/proc/meminfo");
  kb_field(text, "Cached", cached, error, "/proc/meminfo");
  if (!error.ok()) return error;
  m.available_kb = free_kb + buffers + cached;
  return m;
}

Result<LoadAverage> parse_loadavg(std::string_view text) {
  std::vector<std::string_view> w = words(first_line(text));
  if (w.size() < 3) return bad("/proc/loadavg", "fewer than three load averages");
  LoadAverage l;
  if (!to_load(w[0], l.one) || !to_load(w[1], l.five) || !to_load(w[2], l.fifteen)) {
    return bad("/proc/loadavg", "a load average is not a non-negative decimal");
  }
  return l;
}

double node_cpu_percent(const CpuTimes& before, const CpuTimes& after) {
  if (after.total <= before.total || after.idle < before.idle) return 0;
  std::uint64_t total = after.total - before.total;
  std::uint64_t idle = after.idle - before.idle;
  if (idle > total) return 0;
  // The ratio first: 100 * busy rounds above 100 * total once the counters pass 2^53 / 100.
  return 100.0 * (static_cast<double>(total - idle) / static_cast<double>(total));
}

double process_cpu_percent(std::uint64_t ticks_before, std::uint64_t ticks_after,
                           std::uint64_t elapsed_ms, std::uint64_t ticks_per_second) {
  if (ticks_after <= ticks_before || elapsed_ms == 0 || ticks_per_second == 0) return 0;
  double seconds_busy =
      static_cast<double>(ticks_after - ticks_before) / static_cast<double>(ticks_per_second);
  return 100.0 * seconds_busy * 1000.0 / static_cast<double>(elapsed_ms);
}

}  // namespace desaster::monitor
