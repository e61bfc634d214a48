// The leader's side of cron: each turn it asks core/cron's plan_entry what
// every due entry has to decide (due: its cached next instant, DeadlineCache,
// has come) and proposes one CronFireOp per decision (preceded by a
// KillOp of the previous job under --overlap replace). The state refuses an
// instant already decided, so a new leader re-proposing what an old one
// proposed makes no second job. While an entry's ops are in flight it is
// left alone.
//
// Threading: loop thread only.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "core/cron/deadline_cache.hpp"
#include "core/model/job_id.hpp"
#include "core/node/leader_timer.hpp"
#include "core/node/log.hpp"
#include "core/node/proposer.hpp"
#include "core/state/state.hpp"

namespace desaster {

class CronTimer final : public LeaderTimer {
 public:
  CronTimer(const State& state, Proposer& proposer, JobIdGenerator& ids, Logger& log)
      : state_(state), proposer_(proposer), ids_(ids), log_(log) {}

  void tick(TimeMs now) override;
  std::optional<TimeMs> next_deadline(TimeMs now) const override;

 private:
  // The entry's cached slot; logs a schedule that does not parse once.
  const cron::DeadlineCache::Slot& slot_for(const CronEntry& entry) const;
  void fire(const CronEntry& entry, TimeMs now);

  const State& state_;
  Proposer& proposer_;
  JobIdGenerator& ids_;
  Logger& log_;
  mutable cron::DeadlineCache deadlines_;
  std::set<std::string, std::less<>> in_flight_;
};

}  // namespace desaster
