// Moving averages of service time; see service_times.hpp.
#include "core/qdisc/service_times.hpp"

#include <algorithm>

namespace desaster {

namespace {

// A day in microseconds bounds every sample, so mean arithmetic cannot overflow
// and one stuck job cannot wreck the average for long.
constexpr std::int64_t kMaxSampleUs = std::int64_t{86'400'000} * 1000;

}  // namespace

void ServiceAverage::record(TimeMs duration_ms) {
  std::int64_t sample = std::clamp<std::int64_t>(duration_ms, 0, kMaxSampleUs / 1000) * 1000;
  ++samples;
  std::int64_t weight = std::min<std::int64_t>(static_cast<std::int64_t>(samples), kWarmup);
  mean_us += (sample - mean_us) / weight;
}

std::string service_key(const Job& job) {
  if (job.kind != JobKind::shell) return job.job_class;
  // FNV-1a: the same on every replica and every platform.
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : job.payload) h = (h ^ c) * 1099511628211ull;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "shell:";
  for (int shift = 60; shift >= 0; shift -= 4) key += kHex[(h >> shift) & 0xf];
  return key;
}

void ServiceTimes::record(std::string_view job_class, TimeMs duration_ms) {
  all.record(duration_ms);
  add(job_class, duration_ms);
}

std::string ServiceTimes::queue_key(std::string_view queue) {
  return "\x1fqueue:" + std::string(queue);
}

void ServiceTimes::record_queue(std::string_view queue, TimeMs duration_ms) {
  add(queue_key(queue), duration_ms);
}

std::optional<double> ServiceTimes::queue_mean_ms(std::string_view queue) const {
  return own_mean_ms(queue_key(queue));
}

void ServiceTimes::add(std::string_view key, TimeMs duration_ms) {
  auto it = by_class.find(key);
  if (it == by_class.end()) it = by_class.emplace(std::string(key), ServiceAverage{}).first;
  it->second.record(duration_ms);
  while (by_class.size() > kMaxKeys) {
    auto fewest = by_class.end();
    for (auto at = by_class.begin(); at != by_class.end(); ++at) {
      if (at == it) continue;
      if (fewest == by_class.end() || at->second.samples < fewest->second.samples) fewest = at;
    }
    by_class.erase(fewest);
  }
}

std::optional<double> ServiceTimes::own_mean_ms(std::string_view key) const {
  auto it = by_class.find(key);
  if (it == by_class.end() || it->second.samples == 0) return std::nullopt;
  return static_cast<double>(it->second.mean_us) / 1000.0;
}

std::optional<double> ServiceTimes::mean_ms(std::string_view job_class) const {
  auto it = by_class.find(job_class);
  if (it != by_class.end() && it->second.samples > 0)
    return static_cast<double>(it->second.mean_us) / 1000.0;
  return mean_ms();
}

std::optional<double> ServiceTimes::mean_ms() const {
  if (all.samples == 0) return std::nullopt;
  return static_cast<double>(all.mean_us) / 1000.0;
}

}  // namespace desaster
