// A Prometheus histogram of durations in seconds with fixed buckets: by
// default from 5 ms to an hour (queue waits and run times span that range),
// or kSyncBuckets, from 0.1 ms to 10 s, for the journal's fdatasync. Pure.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/metrics/exposition.hpp"

namespace desaster::metrics {

inline constexpr std::array<double, 16> kDurationBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
// A disk's sync: a fraction of a millisecond on a battery-backed cache, tens
// of milliseconds on a spinning disk, seconds on a sick one.
inline constexpr std::array<double, 14> kSyncBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 10};

// The most buckets a Histogram holds (bounds past it are ignored).
inline constexpr std::size_t kMaxBuckets = 16;

class Histogram {
 public:
  // bounds: increasing upper bounds, static storage (the arrays above).
  explicit Histogram(std::span<const double> bounds = kDurationBuckets);

  // A negative duration (clocks of two nodes apart) counts as 0.
  void observe(double seconds);
  // name_bucket{labels..., le} (cumulative, +Inf last), name_sum, name_count.
  void write(Exposition& out, std::string_view name, const Labels& labels) const;
  std::uint64_t count() const { return count_; }

 private:
  std::span<const double> bounds_;
  std::array<std::uint64_t, kMaxBuckets> buckets_{};  // not cumulative
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace desaster::metrics
