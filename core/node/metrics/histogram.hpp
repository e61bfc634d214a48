// A Prometheus histogram of durations in seconds with fixed buckets, from
// 5 ms to an hour: queue waits and run times span that range. Pure.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/node/metrics/exposition.hpp"

namespace desaster::metrics {

inline constexpr std::array<double, 16> kDurationBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};

class Histogram {
 public:
  // A negative duration (clocks of two nodes apart) counts as 0.
  void observe(double seconds);
  // name_bucket{labels..., le} (cumulative, +Inf last), name_sum, name_count.
  void write(Exposition& out, std::string_view name, const Labels& labels) const;
  std::uint64_t count() const { return count_; }

 private:
  std::array<std::uint64_t, kDurationBuckets.size()> buckets_{};  // not cumulative
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace desaster::metrics
