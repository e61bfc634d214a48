#include "measure.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace bench {

std::string payload(std::size_t i) {
  std::string p = "job-" + std::to_string(i) + "-";
  p.resize(100, 'x');
  return p;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool past(Clock::time_point start, double limit_seconds) {
  return limit_seconds > 0 && seconds_since(start) >= limit_seconds;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * sorted.size()))];
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      long kb = -1;
      in >> kb;
      return kb;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

void emit(const Args& args, const std::string& metric, double value, std::size_t jobs,
          double seconds) {
  std::printf(
      "{\"workload\":\"%s\",\"peer\":\"%s\",\"metric\":\"%s\",\"value\":%.1f,\"jobs\":%zu,"
      "\"seconds\":%.3f}\n",
      args.workload.c_str(), (args.as.empty() ? args.peer : args.as).c_str(), metric.c_str(), value,
      jobs, seconds);
  std::fflush(stdout);
}

void emit_rate(const Args& args, std::size_t jobs, double seconds) {
  emit(args, "jobs_per_s", seconds > 0 ? jobs / seconds : 0, jobs, seconds);
}

void emit_latency(const Args& args, std::vector<double> micros, double seconds) {
  std::sort(micros.begin(), micros.end());
  emit(args, "p50_us", percentile(micros, 0.50), micros.size(), seconds);
  emit(args, "p99_us", percentile(micros, 0.99), micros.size(), seconds);
}

}  // namespace bench
