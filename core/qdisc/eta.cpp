// The ETA model; see eta.hpp.
#include "core/qdisc/eta.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace desaster {

namespace {

// Past about 300 years an estimate means nothing; the bound keeps every
// conversion below in range.
constexpr double kMaxWaitMs = 1e13;

TimeMs add_ms(TimeMs t, double ms) {
  ms = std::clamp(ms, 0.0, kMaxWaitMs);
  const TimeMs step = static_cast<TimeMs>(std::llround(ms));
  return t > std::numeric_limits<TimeMs>::max() - step ? std::numeric_limits<TimeMs>::max()
                                                       : t + step;
}

// How many starts the slots make at or before t.
double starts_by(const std::vector<double>& free_at, double mean_ms, double t) {
  double n = 0;
  for (double f : free_at) {
    if (t >= f) n += std::floor((t - f) / mean_ms) + 1;
  }
  return n;
}

}  // namespace

double start_after_ms(std::vector<double> slot_free_ms, std::uint32_t workers, double jobs_ahead,
                      double mean_ms) {
  if (workers == 0) return kMaxWaitMs;
  workers = std::min<std::uint32_t>(workers, 1u << 16);  // past that, slots are never short
  // Slots without a running job are free now; with more running jobs than
  // slots (the slots shrank), the soonest to end free them.
  std::sort(slot_free_ms.begin(), slot_free_ms.end());
  slot_free_ms.resize(workers, 0.0);
  std::sort(slot_free_ms.begin(), slot_free_ms.end());
  for (double& f : slot_free_ms) f = std::clamp(f, 0.0, kMaxWaitMs);
  const double ahead = std::floor(std::clamp(jobs_ahead, 0.0, kMaxWaitMs));
  mean_ms = std::clamp(mean_ms, 1.0, kMaxWaitMs);  // instant jobs still take a turn
  // The smallest t with ahead + 1 starts by t, found by bisection: it lies
  // in (lo, hi], and hi ends within a quarter ms of it (starts are whole ms
  // apart when means are), so rounding hi gives it.
  double lo = 0;
  double hi = slot_free_ms.back() + (ahead / workers + 1) * mean_ms;
  if (hi >= kMaxWaitMs) return kMaxWaitMs;
  if (starts_by(slot_free_ms, mean_ms, lo) >= ahead + 1) return 0;
  while (hi - lo > 0.25) {
    const double mid = (lo + hi) / 2;
    (starts_by(slot_free_ms, mean_ms, mid) >= ahead + 1 ? hi : lo) = mid;
  }
  return hi;
}

std::optional<Eta> estimate_eta(const EtaInput& in) {
  if (in.workers == 0) return std::nullopt;
  double wait =
      start_after_ms(in.running_left_ms, in.workers, in.turn.jobs_ahead, in.ahead_mean_ms);
  if (in.turn.shaped_rate > 0) {
    wait = std::max(wait, static_cast<double>(in.turn.own_ahead) * 1000.0 / in.turn.shaped_rate);
  }
  const TimeMs start = std::max(add_ms(in.now, wait), in.not_before);
  return Eta{start, add_ms(start, in.own_mean_ms)};
}

}  // namespace desaster
