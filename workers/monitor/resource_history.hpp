// The rolling history of a node's samples: every 1 s sample of the last 10
// minutes, and 1 min aggregates (mean and max) for 24 hours, in two rings of
// fixed size, so memory stays bounded (600 + 1440 points) however long the
// node runs. Pure: sample times are passed in, so tests drive a fake clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/model/job.hpp"

namespace desaster::monitor {

// One reading of the whole node.
struct NodeSample {
  TimeMs at = 0;
  double cpu_percent = 0;  // all CPUs together, 0..100
  std::uint64_t mem_used_kb = 0;
  std::uint64_t mem_total_kb = 0;
  double load1 = 0;
  double load5 = 0;
  double load15 = 0;
};

// A second (one sample: mean == max) or a minute of samples.
struct HistoryPoint {
  TimeMs at = 0;  // the start of its second or minute
  std::uint32_t samples = 0;
  double cpu_mean = 0;
  double cpu_max = 0;
  std::uint64_t mem_used_mean_kb = 0;
  std::uint64_t mem_used_max_kb = 0;
  double load1_mean = 0;
  double load1_max = 0;
};

// A fixed-capacity ring that overwrites its oldest item.
template <typename T>
class Ring {
 public:
  explicit Ring(std::size_t capacity) : items_(capacity) {}
  void push(const T& item) {
    if (items_.empty()) return;
    items_[(start_ + size_) % items_.size()] = item;
    if (size_ < items_.size()) {
      ++size_;
    } else {
      start_ = (start_ + 1) % items_.size();
    }
  }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return items_.size(); }
  // i = 0 is the oldest.
  const T& operator[](std::size_t i) const { return items_[(start_ + i) % items_.size()]; }

 private:
  std::vector<T> items_;
  std::size_t start_ = 0;
  std::size_t size_ = 0;
};

class ResourceHistory {
 public:
  static constexpr std::size_t kSeconds = 600;   // 10 minutes of 1 s samples
  static constexpr std::size_t kMinutes = 1440;  // 24 hours of 1 min aggregates

  explicit ResourceHistory(std::size_t seconds = kSeconds, std::size_t minutes = kMinutes)
      : seconds_(seconds), minutes_(minutes) {}

  // Samples come in time order; one from an earlier minute than the open
  // one (the clock stepped back) counts toward the open minute.
  void add(const NodeSample& sample);

  // Points at or after `since`, oldest first. minutes() ends with the open
  // minute, partial, when it has samples.
  std::vector<HistoryPoint> seconds(TimeMs since) const;
  std::vector<HistoryPoint> minutes(TimeMs since) const;
  std::size_t memory_points() const { return seconds_.capacity() + minutes_.capacity(); }

 private:
  struct Accumulator {
    TimeMs minute = 0;
    std::uint32_t samples = 0;
    double cpu_sum = 0;
    double cpu_max = 0;
    long double mem_sum = 0;
    std::uint64_t mem_max = 0;
    double load_sum = 0;
    double load_max = 0;
    HistoryPoint point() const;
  };

  Ring<HistoryPoint> seconds_;
  Ring<HistoryPoint> minutes_;
  Accumulator open_;
};

}  // namespace desaster::monitor
