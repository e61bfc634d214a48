#include "core/node/cron_timer.hpp"

#include <memory>
#include <set>
#include <string_view>

#include "core/cron/cron_plan.hpp"

namespace desaster {

const cron::DeadlineCache::Slot& CronTimer::slot_for(const CronEntry& entry) const {
  bool fresh_error = false;
  const cron::DeadlineCache::Slot& slot = deadlines_.get(entry, &fresh_error);
  if (fresh_error) log_.error("cron entry '" + entry.name + "' cannot fire: " + slot.error);
  return slot;
}

void CronTimer::tick(TimeMs now) {
  // Names first: proposing may apply ops, which must not happen while the
  // state's entries are being visited.
  std::vector<std::string> due;
  std::size_t entries = 0;
  state_.visit_cron_entries([&](const CronEntry& entry) {
    ++entries;
    if (entry.paused || in_flight_.count(entry.name) > 0) return;
    const cron::DeadlineCache::Slot& slot = slot_for(entry);
    if (slot.deadline && *slot.deadline <= now) due.push_back(entry.name);
  });
  // More cached than there are entries: some were removed. Only then are
  // the names gathered, not on every turn.
  if (deadlines_.size() > entries) {
    std::set<std::string_view> names;
    state_.visit_cron_entries([&](const CronEntry& entry) { names.insert(entry.name); });
    deadlines_.keep_only(names);
  }
  for (const std::string& name : due) {
    if (const CronEntry* entry = state_.cron_entry(name)) fire(CronEntry(*entry), now);
  }
}

void CronTimer::fire(const CronEntry& entry, TimeMs now) {
  const cron::DeadlineCache::Slot& slot = slot_for(entry);
  if (!slot.schedule) return;
  std::vector<cron::CronDecision> decisions = cron::plan_entry(entry, *slot.schedule, now);
  if (decisions.empty()) return;
  // The previous job, for --overlap replace: killed before each fire.
  JobId previous = 0;
  for (auto run = entry.runs.rbegin(); run != entry.runs.rend() && previous == 0; ++run) {
    previous = run->job;
  }
  in_flight_.insert(entry.name);
  auto left = std::make_shared<std::size_t>(0);
  std::vector<Op> ops;
  for (const cron::CronDecision& d : decisions) {
    CronFireOp op{entry.name, d.instant, d.kind, 0};
    if (d.kind == CronRunKind::fired) {
      op.job_id = ids_.next(now);
      if (entry.overlap == CronOverlap::replace && previous != 0) {
        const Job* job = state_.find(previous);
        if (job != nullptr && !is_final(job->state)) ops.push_back(KillOp{{previous}});
      }
      previous = op.job_id;
    }
    ops.push_back(std::move(op));
  }
  *left = ops.size();
  const std::string name = entry.name;
  for (Op& op : ops) {
    proposer_.propose(std::move(op),
                      [this, left, name](const Status& status, const ApplyResult& result) {
                        if (!status.ok()) {
                          log_.warn("cron entry '" + name + "': " + status.message);
                        } else if (!result.statuses.empty() && !result.statuses[0].ok()) {
                          log_.warn("cron entry '" + name + "': " + result.statuses[0].message);
                        }
                        if (--*left == 0) in_flight_.erase(name);
                      });
  }
}

std::optional<TimeMs> CronTimer::next_deadline(TimeMs now) const {
  std::optional<TimeMs> deadline;
  state_.visit_cron_entries([&](const CronEntry& entry) {
    std::optional<TimeMs> t = slot_for(entry).deadline;
    if (!t) return;
    // Due but in flight: its completion wakes the loop.
    if (*t <= now) {
      if (in_flight_.count(entry.name) > 0) return;
      t = now + 1;
    }
    if (!deadline || *t < *deadline) deadline = t;
  });
  return deadline;
}

}  // namespace desaster
