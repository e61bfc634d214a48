#include "workers/monitor/resource_history.hpp"

#include <algorithm>
#include <cmath>

namespace desaster::monitor {

namespace {

constexpr TimeMs kMinuteMs = 60'000;

TimeMs floor_to(TimeMs t, TimeMs unit) {
  TimeMs q = t / unit;
  if (t % unit < 0) --q;
  return q * unit;
}

}  // namespace

HistoryPoint ResourceHistory::Accumulator::point() const {
  HistoryPoint p;
  p.at = minute;
  p.samples = samples;
  if (samples == 0) return p;
  p.cpu_mean = cpu_sum / samples;
  p.cpu_max = cpu_max;
  p.mem_used_mean_kb = static_cast<std::uint64_t>(std::llround(mem_sum / samples));
  p.mem_used_max_kb = mem_max;
  p.load1_mean = load_sum / samples;
  p.load1_max = load_max;
  return p;
}

void ResourceHistory::add(const NodeSample& s) {
  HistoryPoint second;
  second.at = floor_to(s.at, 1000);
  second.samples = 1;
  second.cpu_mean = second.cpu_max = s.cpu_percent;
  second.mem_used_mean_kb = second.mem_used_max_kb = s.mem_used_kb;
  second.load1_mean = second.load1_max = s.load1;
  seconds_.push(second);

  TimeMs minute = floor_to(s.at, kMinuteMs);
  if (open_.samples > 0 && minute > open_.minute) {
    minutes_.push(open_.point());
    open_ = Accumulator{};
  }
  if (open_.samples == 0) open_.minute = minute;
  ++open_.samples;
  open_.cpu_sum += s.cpu_percent;
  open_.cpu_max = std::max(open_.cpu_max, s.cpu_percent);
  open_.mem_sum += static_cast<long double>(s.mem_used_kb);
  open_.mem_max = std::max(open_.mem_max, s.mem_used_kb);
  open_.load_sum += s.load1;
  open_.load_max = std::max(open_.load_max, s.load1);
}

std::vector<HistoryPoint> ResourceHistory::seconds(TimeMs since) const {
  std::vector<HistoryPoint> out;
  for (std::size_t i = 0; i < seconds_.size(); ++i) {
    if (seconds_[i].at >= since) out.push_back(seconds_[i]);
  }
  return out;
}

std::vector<HistoryPoint> ResourceHistory::minutes(TimeMs since) const {
  std::vector<HistoryPoint> out;
  // A minute counts when any of it lies at or after since.
  for (std::size_t i = 0; i < minutes_.size(); ++i) {
    if (minutes_[i].at + kMinuteMs > since) out.push_back(minutes_[i]);
  }
  if (open_.samples > 0 && open_.minute + kMinuteMs > since) out.push_back(open_.point());
  return out;
}

}  // namespace desaster::monitor
