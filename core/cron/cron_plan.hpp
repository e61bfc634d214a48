// What the leader decides for one cron entry at a given time: which
// instants since the entry's last decided one fire and which are recorded
// as skipped, by the entry's --missed and --starting-deadline (see
// core/model/cron_entry.hpp). Pure: the caller passes `now`, proposes one
// CronFireOp per decision, in order.
//
// An instant is on time while at most kCronLateMs old: it fires under every
// policy. Older ones are missed: skip records the newest of them as skipped
// (which decides the older ones too); once fires the newest; all fires each.
// A missed instant older than --starting-deadline (when set) never fires.
#pragma once

#include <optional>
#include <vector>

#include "core/cron/schedule.hpp"
#include "core/model/cron_entry.hpp"

namespace desaster::cron {

struct CronDecision {
  TimeMs instant = 0;
  CronRunKind kind = CronRunKind::fired;  // fired or skipped_missed
};

// At most this many instants are looked at per call; the rest wait for the
// next call (a long outage of an every-second entry).
inline constexpr std::size_t kMaxInstantsPerPlan = 10'000;

// Decisions for `entry` at `now`, in instant order; none while paused.
std::vector<CronDecision> plan_entry(const CronEntry& entry, const Schedule& schedule, TimeMs now);

// When plan_entry next has something to decide: the first instant after
// the last decided one. None while paused or if it never fires.
std::optional<TimeMs> entry_deadline(const CronEntry& entry, const Schedule& schedule);

// The next `count` instants after the last decided one, for display; none
// while paused or when the schedule does not parse.
std::vector<TimeMs> next_instants(const CronEntry& entry, std::size_t count);

}  // namespace desaster::cron
