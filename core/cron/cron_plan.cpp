#include "core/cron/cron_plan.hpp"

namespace desaster::cron {

std::vector<CronDecision> plan_entry(const CronEntry& entry, const Schedule& schedule, TimeMs now) {
  std::vector<CronDecision> out;
  if (entry.paused) return out;
  std::vector<TimeMs> due;
  TimeMs t = entry.last_instant;
  while (due.size() < kMaxInstantsPerPlan) {
    std::optional<TimeMs> next = next_fire(schedule, t);
    if (!next || *next > now) break;
    due.push_back(*next);
    t = *next;
  }
  if (due.empty()) return out;
  auto too_old = [&](TimeMs instant) {
    return entry.starting_deadline_ms > 0 &&
           static_cast<std::uint64_t>(now - instant) > entry.starting_deadline_ms;
  };
  std::size_t first_on_time = due.size();
  while (first_on_time > 0 && now - due[first_on_time - 1] <= kCronLateMs) --first_on_time;
  if (first_on_time > 0) {
    const TimeMs newest_missed = due[first_on_time - 1];
    switch (entry.missed) {
      case CronMissed::skip:
        out.push_back({newest_missed, CronRunKind::skipped_missed});
        break;
      case CronMissed::once:
        out.push_back({newest_missed,
                       too_old(newest_missed) ? CronRunKind::skipped_missed : CronRunKind::fired});
        break;
      case CronMissed::all: {
        std::size_t i = 0;
        while (i < first_on_time && too_old(due[i])) ++i;
        if (i > 0) out.push_back({due[i - 1], CronRunKind::skipped_missed});
        for (; i < first_on_time; ++i) out.push_back({due[i], CronRunKind::fired});
        break;
      }
    }
  }
  for (std::size_t i = first_on_time; i < due.size(); ++i) {
    out.push_back({due[i], CronRunKind::fired});
  }
  return out;
}

std::optional<TimeMs> entry_deadline(const CronEntry& entry, const Schedule& schedule) {
  if (entry.paused) return std::nullopt;
  return next_fire(schedule, entry.last_instant);
}

std::vector<TimeMs> next_instants(const CronEntry& entry, std::size_t count) {
  std::vector<TimeMs> out;
  if (entry.paused) return out;
  Result<Schedule> schedule = parse_schedule(entry.schedule, entry.zone);
  if (!schedule.ok()) return out;
  TimeMs t = entry.last_instant;
  while (out.size() < count) {
    std::optional<TimeMs> next = next_fire(schedule.value(), t);
    if (!next) break;
    out.push_back(*next);
    t = *next;
  }
  return out;
}

}  // namespace desaster::cron
