#include "core/node/timed_duties.hpp"

#include <algorithm>

namespace desaster {

namespace {
constexpr std::size_t kMaxPerOp = 10'000;
// Purging is bookkeeping, not a promise to the second: once a second at most.
constexpr TimeMs kPurgeIntervalMs = 1'000;
}  // namespace

void TimedDuties::tick(TimeMs now) {
  if (!promote_in_flight_) {
    std::vector<JobId> due = state_.due_promotions(now, kMaxPerOp);
    if (!due.empty()) {
      promote_in_flight_ = true;
      proposer_.propose(PromoteOp{std::move(due)},
                        [this](const Status&, const ApplyResult&) { promote_in_flight_ = false; });
    }
  }
  if (!expire_in_flight_) {
    std::vector<JobId> expired = state_.expired_leases(now, kMaxPerOp);
    if (!expired.empty()) {
      CompleteOp op;
      for (JobId id : expired) {
        const Job* job = state_.find(id);
        if (!job) continue;
        Completion c;
        c.id = id;
        c.term = job->lease_term;
        c.attempt = job->attempts;
        c.outcome = Outcome::timed_out;
        c.error = "lease expired: no report from " + job->worker + " in time";
        op.completions.push_back(std::move(c));
      }
      expire_in_flight_ = true;
      proposer_.propose(std::move(op),
                        [this](const Status&, const ApplyResult&) { expire_in_flight_ = false; });
    }
  }
  if (!purge_in_flight_ && now - last_purge_ >= kPurgeIntervalMs && state_.purge_due(now)) {
    purge_in_flight_ = true;
    last_purge_ = now;
    proposer_.propose(PurgeOp{},
                      [this](const Status&, const ApplyResult&) { purge_in_flight_ = false; });
  }
}

std::optional<TimeMs> TimedDuties::next_deadline(TimeMs now) const {
  std::optional<TimeMs> deadline = state_.next_deadline(now);
  if (!deadline || *deadline > now) return deadline;
  // Still due right after tick(): its op is in flight (its completion wakes
  // the loop anyway) or the purge is rate-limited. Wait for the limit rather
  // than spin.
  return std::max(now + 1, last_purge_ + kPurgeIntervalMs);
}

}  // namespace desaster
