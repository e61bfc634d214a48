// Each cron entry's parsed schedule and next instant, kept between the
// leader's loop turns: an entry's next instant only changes when the entry
// does (its schedule, zone, pause or last decided instant: an add, a fire, a
// resume), so it is recomputed then and not on every turn. Keyed by the
// fields it is computed from, so a change made by any leader (this node's
// fires, a replicated op, a new term) invalidates it without a hook. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/cron/schedule.hpp"
#include "core/model/cron_entry.hpp"

namespace desaster::cron {

class DeadlineCache {
 public:
  struct Slot {
    std::optional<Schedule> schedule;  // none: the schedule does not parse
    std::string error;                 // why, when it does not
    std::optional<TimeMs> deadline;    // the first undecided instant; none: never
  };

  // The entry's slot, recomputed when its schedule, zone, pause or last
  // instant differ from the cached one's. `fresh_error` is set when a
  // schedule was just found not to parse (to log it once).
  const Slot& get(const CronEntry& entry, bool* fresh_error = nullptr);
  // Forgets entries not named in `names` (removed ones).
  void keep_only(const std::set<std::string_view>& names);

  std::size_t size() const { return slots_.size(); }
  // How many times a deadline was computed (for tests).
  std::uint64_t computed() const { return computed_; }

 private:
  struct Cached {
    std::string text;
    std::string zone;
    bool paused = false;
    TimeMs last_instant = 0;
    Slot slot;
  };
  std::map<std::string, Cached, std::less<>> slots_;
  std::uint64_t computed_ = 0;
};

}  // namespace desaster::cron
