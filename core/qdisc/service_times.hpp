// How long jobs take, per class: an exponentially weighted moving average of
// finished jobs' durations, fed by the State as it applies completions. Plain
// data in integers (microseconds), so every replica holds the same numbers
// and a snapshot can store them as they are.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/job.hpp"

namespace desaster {

// The first kWarmup samples are averaged plainly, so early estimates are not
// dragged towards zero; after that each sample weighs 1/kWarmup.
struct ServiceAverage {
  static constexpr std::int64_t kWarmup = 8;

  std::int64_t mean_us = 0;
  std::uint64_t samples = 0;

  void record(TimeMs duration_ms);
  bool operator==(const ServiceAverage&) const = default;
};

// What a job's service time is kept under: its class, or for a shell job
// its command (a hash of it), since `echo` and `sleep 30` share the class.
std::string service_key(const Job& job);

struct ServiceTimes {
  // Keys kept at most; a new key past that evicts the one with the fewest
  // samples (ties: the first by name), so unique commands cannot grow the
  // replicated state without bound.
  static constexpr std::size_t kMaxKeys = 1024;

  ServiceAverage all;  // every class together
  std::map<std::string, ServiceAverage, std::less<>> by_class;

  // A negative duration (clocks of two masters disagreeing) counts as 0.
  void record(std::string_view job_class, TimeMs duration_ms);
  // Every job of a queue together, whatever its class or command: what the
  // queue's mix costs per job. Kept in by_class under queue_key(queue), so a
  // snapshot carries it with no change of format; `all` is not fed again.
  void record_queue(std::string_view queue, TimeMs duration_ms);
  std::optional<double> queue_mean_ms(std::string_view queue) const;
  // "\x1fqueue:" + the name: a class name holds no control character.
  static std::string queue_key(std::string_view queue);
  // The class's mean, else the mean over all classes; none before any sample.
  std::optional<double> mean_ms(std::string_view job_class) const;
  // The key's own mean; none before its first sample.
  std::optional<double> own_mean_ms(std::string_view key) const;
  std::optional<double> mean_ms() const;

  bool operator==(const ServiceTimes&) const = default;

 private:
  void add(std::string_view key, TimeMs duration_ms);
};

}  // namespace desaster
