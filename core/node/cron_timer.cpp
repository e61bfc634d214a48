#include "core/node/cron_timer.hpp"

#include <memory>

#include "core/cron/cron_plan.hpp"

namespace desaster {

const cron::Schedule* CronTimer::schedule_for(const CronEntry& entry) const {
  auto it = parsed_.find(entry.name);
  if (it == parsed_.end() || it->second.text != entry.schedule || it->second.zone != entry.zone) {
    Parsed p{entry.schedule, entry.zone, std::nullopt};
    Result<cron::Schedule> r = cron::parse_schedule(entry.schedule, entry.zone);
    if (r.ok()) {
      p.schedule = r.value();
    } else {
      log_.error("cron entry '" + entry.name + "' cannot fire: " + r.status().message);
    }
    it = parsed_.insert_or_assign(entry.name, std::move(p)).first;
  }
  return it->second.schedule ? &*it->second.schedule : nullptr;
}

void CronTimer::tick(TimeMs now) {
  for (const CronEntry& entry : state_.cron_entries()) {
    if (entry.paused || in_flight_.count(entry.name) > 0) continue;
    const cron::Schedule* schedule = schedule_for(entry);
    if (schedule == nullptr) continue;
    std::vector<cron::CronDecision> decisions = cron::plan_entry(entry, *schedule, now);
    if (decisions.empty()) continue;
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
}

std::optional<TimeMs> CronTimer::next_deadline(TimeMs now) const {
  std::optional<TimeMs> deadline;
  for (const CronEntry& entry : state_.cron_entries()) {
    const cron::Schedule* schedule = schedule_for(entry);
    if (schedule == nullptr) continue;
    std::optional<TimeMs> t = cron::entry_deadline(entry, *schedule);
    if (!t) continue;
    // Due but in flight: its completion wakes the loop.
    if (*t <= now) {
      if (in_flight_.count(entry.name) > 0) continue;
      t = now + 1;
    }
    if (!deadline || *t < *deadline) deadline = t;
  }
  return deadline;
}

}  // namespace desaster
