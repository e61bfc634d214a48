// Per-queue job counters and latency histograms, fed with every op this
// node applies (the applied hook). Every node of a cluster applies every
// op, so any node's numbers describe the whole cluster; they count from the
// node's start (a restart resets them, which Prometheus' rate() expects).
// The replicated, persistent totals are State::totals(), exposed beside.
//
// Queue names come from clients: at most kMaxQueues queues are tracked,
// later ones are counted under the queue label "(other)".
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/metrics/exposition.hpp"
#include "core/metrics/histogram.hpp"
#include "core/state/state.hpp"

namespace desaster::metrics {

class JobMetrics {
 public:
  static constexpr std::size_t kMaxQueues = 1000;

  // state is the state right after applying op (the jobs' new fields).
  void on_applied(const Op& op, const ApplyResult& result, const State& state);
  void write(Exposition& out) const;

 private:
  struct QueueCounters {
    std::uint64_t enqueued = 0;
    std::uint64_t processed = 0;  // succeeded
    std::uint64_t failed = 0;     // failed attempts, the last of a dead job's too
    std::uint64_t dead = 0;
    std::uint64_t killed = 0;
    Histogram wait;  // ready (queued) to leased
    Histogram run;   // an attempt's start to its end
  };
  QueueCounters& counters(const std::string& queue);

  std::map<std::string, QueueCounters> queues_;
};

}  // namespace desaster::metrics
