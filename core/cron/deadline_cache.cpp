#include "core/cron/deadline_cache.hpp"

#include "core/cron/cron_plan.hpp"

namespace desaster::cron {

const DeadlineCache::Slot& DeadlineCache::get(const CronEntry& entry, bool* fresh_error) {
  if (fresh_error) *fresh_error = false;
  auto it = slots_.find(entry.name);
  const bool reparse =
      it == slots_.end() || it->second.text != entry.schedule || it->second.zone != entry.zone;
  if (reparse) {
    Cached c{entry.schedule, entry.zone, !entry.paused, entry.last_instant - 1, {}};
    Result<Schedule> r = parse_schedule(entry.schedule, entry.zone);
    if (r.ok()) {
      c.slot.schedule = r.value();
    } else {
      c.slot.error = r.status().message;
      if (fresh_error) *fresh_error = true;
    }
    it = slots_.insert_or_assign(entry.name, std::move(c)).first;
  }
  Cached& c = it->second;
  if (c.paused != entry.paused || c.last_instant != entry.last_instant) {
    c.paused = entry.paused;
    c.last_instant = entry.last_instant;
    c.slot.deadline = std::nullopt;
    if (c.slot.schedule) {
      c.slot.deadline = entry_deadline(entry, *c.slot.schedule);
      ++computed_;
    }
  }
  return c.slot;
}

void DeadlineCache::keep_only(const std::set<std::string_view>& names) {
  for (auto it = slots_.begin(); it != slots_.end();) {
    it = names.count(it->first) ? std::next(it) : slots_.erase(it);
  }
}

}  // namespace desaster::cron
