// The ETA model; see eta.hpp.
#include "core/qdisc/eta.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace desaster {

namespace {

TimeMs add_ms(TimeMs t, double ms) {
  constexpr double kMax = static_cast<double>(std::numeric_limits<TimeMs>::max() / 2);
  return t + static_cast<TimeMs>(std::llround(std::min(ms, kMax)));
}

}  // namespace

std::optional<Eta> estimate_eta(const EtaInput& in, const ServiceTimes& times) {
  std::optional<double> mean = times.mean_ms();
  if (in.workers == 0 || !mean) return std::nullopt;
  double free = in.workers > in.running ? in.workers - in.running : 0;
  double wait = 0;
  if (in.turn.jobs_ahead >= free) wait = (in.turn.jobs_ahead - free + 1) * *mean / in.workers;
  if (in.turn.shaped_rate > 0) {
    wait = std::max(wait, static_cast<double>(in.turn.own_ahead) * 1000.0 / in.turn.shaped_rate);
  }
  TimeMs start = std::max(add_ms(in.now, wait), in.not_before);
  return Eta{start, add_ms(start, *times.mean_ms(in.job_class))};
}

}  // namespace desaster
