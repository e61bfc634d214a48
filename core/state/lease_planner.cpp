// Planning leases: ready queues take turns (in the order State::ready_queues
// gives, least recently served first), and each turn gives the queue's next
// job, in the order of the queue's discipline, to the worker with the most
// free slots among those serving it and running its kind. Only the front of
// each queue's plan is read: at most as many jobs as could be granted, plus
// the reserved and unrunnable ones passed over on the way.
#include "core/state/lease_planner.hpp"

#include <algorithm>
#include <limits>

namespace desaster {

namespace {

struct Candidate {
  JobId id = 0;
  JobKind kind = JobKind::shell;
  std::uint32_t attempts = 0;
  std::uint32_t timeout_ms = 0;
};

// One ready queue during planning.
struct Lane {
  std::vector<std::size_t> workers;  // indexes of the workers serving it
  std::vector<Candidate> jobs;       // its next jobs in dispatch order
  std::size_t next = 0;
};

bool serves(const WorkerCredit& worker, const std::string& queue) {
  return std::any_of(worker.queues.begin(), worker.queues.end(),
                     [&](const std::string& q) { return q == "*" || q == queue; });
}

bool runs(const WorkerCredit& worker, JobKind kind) {
  return worker.kinds.empty() ||
         std::find(worker.kinds.begin(), worker.kinds.end(), kind) != worker.kinds.end();
}

TimeMs lease_expiry(TimeMs now, std::uint32_t timeout_ms, std::uint32_t grace_ms) {
  if (timeout_ms == 0) return 0;
  TimeMs delta = TimeMs{timeout_ms} + TimeMs{grace_ms};
  constexpr TimeMs kMax = std::numeric_limits<TimeMs>::max();
  return now > kMax - delta ? kMax : now + delta;
}

std::vector<Lane> open_lanes(const State& state, const std::vector<WorkerCredit>& workers,
                             const std::unordered_set<JobId>& reserved, TimeMs now,
                             std::size_t max_grants) {
  std::vector<Lane> lanes;
  for (const std::string& name : state.ready_queues()) {
    Lane lane;
    std::uint64_t capacity = 0;
    for (std::size_t i = 0; i < workers.size(); ++i) {
      if (workers[i].free > 0 && serves(workers[i], name)) {
        lane.workers.push_back(i);
        capacity += workers[i].free;
      }
    }
    if (lane.workers.empty()) continue;
    std::size_t wanted = static_cast<std::size_t>(std::min<std::uint64_t>(capacity, max_grants));
    // The discipline's walk counts every job taken as dispatched: a reserved
    // job will be once its lease op applies; a job no worker here runs is
    // skipped, so its flow or class is not charged for it.
    state.for_each_ready(name, now, [&](const Job& job) {
      if (reserved.count(job.id) != 0) return PlanStep::take;
      bool runnable = std::any_of(lane.workers.begin(), lane.workers.end(),
                                  [&](std::size_t i) { return runs(workers[i], job.kind); });
      if (!runnable) return PlanStep::skip;
      lane.jobs.push_back({job.id, job.kind, job.attempts, job.timeout_ms});
      return lane.jobs.size() < wanted ? PlanStep::take : PlanStep::stop;
    });
    if (!lane.jobs.empty()) lanes.push_back(std::move(lane));
  }
  return lanes;
}

}  // namespace

std::vector<LeaseGrant> plan_leases(const State& state, std::vector<WorkerCredit>& workers,
                                    const std::unordered_set<JobId>& reserved, TimeMs now,
                                    std::size_t max_grants) {
  std::vector<LeaseGrant> grants;
  if (max_grants == 0) return grants;
  std::vector<Lane> lanes = open_lanes(state, workers, reserved, now, max_grants);
  std::size_t turn = 0;
  while (!lanes.empty() && grants.size() < max_grants) {
    if (turn >= lanes.size()) turn = 0;
    Lane& lane = lanes[turn];
    bool any_free = false;
    WorkerCredit* best = nullptr;
    const Candidate* job = lane.next < lane.jobs.size() ? &lane.jobs[lane.next] : nullptr;
    for (std::size_t i : lane.workers) {
      if (workers[i].free == 0) continue;
      any_free = true;
      if (job && runs(workers[i], job->kind) && (best == nullptr || workers[i].free > best->free)) {
        best = &workers[i];
      }
    }
    if (!any_free || job == nullptr) {
      lanes.erase(lanes.begin() + static_cast<std::ptrdiff_t>(turn));
      continue;  // the next lane has moved into this turn
    }
    ++lane.next;
    if (best == nullptr) continue;  // no free worker here runs this kind: the next job may fit
    const Candidate& chosen = *job;
    grants.push_back(LeaseGrant{chosen.id, chosen.attempts + 1, best->node, best->worker,
                                lease_expiry(now, chosen.timeout_ms, best->timeout_grace_ms)});
    --best->free;
    ++turn;
  }
  return grants;
}

}  // namespace desaster
