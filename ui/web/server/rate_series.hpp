// Jobs processed and failed per second (last 10 minutes, 1 s buckets) and
// per minute (last 24 hours), counted from the ops desaster-web sees on the
// feed, by the ops' own timestamps. Pure; not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/model/job.hpp"

namespace desaster::web {

struct RatePoint {
  TimeMs t = 0;
  std::uint64_t processed = 0;
  std::uint64_t failed = 0;
};

class RateSeries {
 public:
  void add(TimeMs at, std::uint64_t processed, std::uint64_t failed);
  // Oldest first, up to `now`, buckets without ops included as zeros (only
  // from the first op seen on, so a fresh start shows a short series).
  std::vector<RatePoint> seconds(TimeMs now) const;  // last 600 s
  std::vector<RatePoint> minutes(TimeMs now) const;  // last 1440 min
  // Mean per second over the last `window_s` full seconds before now.
  double processed_per_s(TimeMs now, int window_s = 10) const;
  double failed_per_s(TimeMs now, int window_s = 10) const;

 private:
  struct Bucket {
    std::int64_t slot = -1;  // t / width
    std::uint64_t processed = 0;
    std::uint64_t failed = 0;
  };
  static constexpr std::size_t kSeconds = 600;
  static constexpr std::size_t kMinutes = 1440;
  std::array<Bucket, kSeconds> seconds_{};
  std::array<Bucket, kMinutes> minutes_{};
  TimeMs first_ = 0;  // first op seen; 0: none yet
};

}  // namespace desaster::web
