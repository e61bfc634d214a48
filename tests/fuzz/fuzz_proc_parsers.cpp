// Fuzzes the /proc parsers of the resource monitor: any bytes must give
// numbers or an error with a message, never a crash; what parses must be in
// range (idle never above total, a positive pid, finite loads).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "workers/monitor/proc_parsers.hpp"

using namespace desaster::monitor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto cpu = parse_proc_stat(text); cpu.ok()) {
    if (cpu->idle > cpu->total) std::abort();
    double percent = node_cpu_percent(CpuTimes{}, *cpu);
    if (!(percent >= 0 && percent <= 100)) std::abort();
  } else if (cpu.status().message.empty()) {
    std::abort();
  }
  if (auto stat = parse_pid_stat(text); stat.ok()) {
    if (stat->pid <= 0) std::abort();
  } else if (stat.status().message.empty()) {
    std::abort();
  }
  if (auto rss = parse_status_rss_kb(text); !rss.ok() && rss.status().message.empty()) std::abort();
  if (auto mem = parse_meminfo(text); mem.ok()) {
    if (mem->used_kb() > mem->total_kb) std::abort();
  } else if (mem.status().message.empty()) {
    std::abort();
  }
  if (auto load = parse_loadavg(text); load.ok()) {
    if (!std::isfinite(load->one) || load->one < 0 || !std::isfinite(load->fifteen)) std::abort();
  } else if (load.status().message.empty()) {
    std::abort();
  }
  return 0;
}
