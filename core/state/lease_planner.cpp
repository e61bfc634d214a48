// Planning leases: ready queues take turns by stride scheduling (lowest pass
// first; ties in the order State::ready_queues gives, least recently served
// first), and each turn gives the queue's next job, in the order of the
// queue's discipline, to the worker with the most free slots among those
// serving it, running its kind and matching its pins (of equals, the one
// granted a lease least recently). Only the front of each queue's plan is
// read: at most as many jobs as could be granted, plus the reserved ones and
// (bounded) the ones no worker there may take, passed over on the way.
#include "core/state/lease_planner.hpp"

#include <algorithm>
#include <limits>

namespace desaster {

namespace {

// A worker as the planner sees it this plan.
struct Serving {
  std::vector<PoolQueue> queues;  // with weights; "*" serves every queue
  bool usable = false;            // has free slots and is neither paused nor draining
};

// One ready queue during planning.
struct Lane {
  std::string name;
  std::vector<std::size_t> workers;  // indexes of the workers serving it
  std::vector<const Job*> jobs;      // its next jobs in dispatch order
  std::size_t next = 0;
};

Serving resolve(const State& state, const WorkerCredit& w) {
  Serving s;
  const Assignments& assignments = state.assignments();
  s.usable = w.free > 0 && !assignments.node_draining(w.node) &&
             (w.pool.empty() || !assignments.pool_paused(w.pool, w.node));
  std::optional<std::vector<PoolQueue>> pool_queues;
  if (!w.pool.empty()) pool_queues = state.pool_queues(w.pool, w.node);
  if (pool_queues) {
    s.queues = std::move(*pool_queues);
  } else {
    for (const std::string& q : w.queues) s.queues.push_back(PoolQueue{q, 1});
  }
  return s;
}

// The weight at which a worker serves queue; 0 when it does not. A named
// queue's own weight wins over "*".
std::uint32_t weight_for(const Serving& s, const std::string& queue) {
  std::uint32_t any = 0;
  for (const PoolQueue& q : s.queues) {
    if (q.name == queue) return std::max<std::uint32_t>(q.weight, 1);
    if (q.name == "*") any = std::max<std::uint32_t>(q.weight, 1);
  }
  return any;
}

bool runs(const WorkerCredit& worker, JobKind kind) {
  return worker.kinds.empty() ||
         std::find(worker.kinds.begin(), worker.kinds.end(), kind) != worker.kinds.end();
}

bool pin_allows(const WorkerCredit& worker, const Job& job) {
  return (job.pin_node.empty() || job.pin_node == worker.node) &&
         (job.pin_pool.empty() || job.pin_pool == worker.pool);
}

TimeMs lease_expiry(TimeMs now, std::uint32_t timeout_ms, std::uint32_t grace_ms) {
  if (timeout_ms == 0) return 0;
  TimeMs delta = TimeMs{timeout_ms} + TimeMs{grace_ms};
  constexpr TimeMs kMax = std::numeric_limits<TimeMs>::max();
  return now > kMax - delta ? kMax : now + delta;
}

std::vector<Lane> open_lanes(const State& state, const std::vector<WorkerCredit>& workers,
                             const std::vector<Serving>& serving,
                             const std::unordered_set<JobId>& reserved, TimeMs now,
                             std::size_t max_grants) {
  std::vector<Lane> lanes;
  for (const std::string& name : state.ready_queues()) {
    Lane lane;
    lane.name = name;
    std::uint64_t capacity = 0;
    for (std::size_t i = 0; i < workers.size(); ++i) {
      if (serving[i].usable && weight_for(serving[i], name) > 0) {
        lane.workers.push_back(i);
        capacity += workers[i].free;
      }
    }
    if (lane.workers.empty()) continue;
    std::size_t wanted = static_cast<std::size_t>(std::min<std::uint64_t>(capacity, max_grants));
    // The discipline's walk counts every job taken as dispatched: a reserved
    // job will be once its lease op applies. A job no worker here may take
    // (its kind, its pins) is skipped, so its flow or class is not charged
    // for it; at most kMaxPinnedSkips of them, so a crowd of them cannot make
    // planning scan the whole queue.
    std::size_t skips = 0;
    state.for_each_ready(name, now, [&](const Job& job) {
      if (reserved.count(job.id) != 0) return PlanStep::take;
      bool takeable = std::any_of(lane.workers.begin(), lane.workers.end(), [&](std::size_t i) {
        return runs(workers[i], job.kind) && pin_allows(workers[i], job);
      });
      if (!takeable) return ++skips < kMaxPinnedSkips ? PlanStep::skip : PlanStep::stop;
      lane.jobs.push_back(&job);
      return lane.jobs.size() < wanted ? PlanStep::take : PlanStep::stop;
    });
    if (!lane.jobs.empty()) lanes.push_back(std::move(lane));
  }
  return lanes;
}

// The lane whose pass is lowest; the earliest of equals.
std::size_t lowest_pass(const std::vector<Lane>& lanes, const LeaseFairness& fairness) {
  std::size_t best = 0;
  std::uint64_t best_pass = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    auto it = fairness.pass.find(lanes[i].name);
    std::uint64_t pass = it == fairness.pass.end() ? 0 : it->second;
    pass = std::max(pass, fairness.virtual_time);
    if (pass < best_pass) {
      best = i;
      best_pass = pass;
    }
  }
  return best;
}

void advance(LeaseFairness& fairness, const std::string& queue, std::uint32_t weight) {
  std::uint64_t& pass = fairness.pass[queue];
  pass = std::max(pass, fairness.virtual_time);
  fairness.virtual_time = pass;
  pass += LeaseFairness::kStridePass / std::max<std::uint32_t>(weight, 1);
}

}  // namespace

std::vector<LeaseGrant> plan_leases(const State& state, std::vector<WorkerCredit>& workers,
                                    const std::unordered_set<JobId>& reserved, TimeMs now,
                                    std::size_t max_grants, LeaseFairness& fairness) {
  std::vector<LeaseGrant> grants;
  if (max_grants == 0) return grants;
  std::vector<Serving> serving;
  serving.reserve(workers.size());
  for (const WorkerCredit& w : workers) serving.push_back(resolve(state, w));
  std::vector<Lane> lanes = open_lanes(state, workers, serving, reserved, now, max_grants);
  std::vector<std::uint64_t> last_grant(workers.size(), 0);
  for (std::size_t i = 0; i < workers.size(); ++i) {
    auto it = fairness.last_grant.find(workers[i].worker);
    if (it != fairness.last_grant.end()) last_grant[i] = it->second;
  }
  while (!lanes.empty() && grants.size() < max_grants) {
    const std::size_t turn = lowest_pass(lanes, fairness);
    Lane& lane = lanes[turn];
    bool any_free = false;
    std::size_t best = workers.size();
    const Job* job = lane.next < lane.jobs.size() ? lane.jobs[lane.next] : nullptr;
    for (std::size_t i : lane.workers) {
      if (workers[i].free == 0) continue;
      any_free = true;
      if (!job || !runs(workers[i], job->kind) || !pin_allows(workers[i], *job)) continue;
      if (best == workers.size() || workers[i].free > workers[best].free ||
          (workers[i].free == workers[best].free && last_grant[i] < last_grant[best])) {
        best = i;
      }
    }
    if (!any_free || job == nullptr) {
      lanes.erase(lanes.begin() + static_cast<std::ptrdiff_t>(turn));
      continue;
    }
    ++lane.next;
    if (best == workers.size()) continue;  // no free worker here takes this job: the next may fit
    WorkerCredit& w = workers[best];
    grants.push_back(LeaseGrant{job->id, job->attempts + 1, w.node, w.worker,
                                lease_expiry(now, job->timeout_ms, w.timeout_grace_ms)});
    --w.free;
    last_grant[best] = ++fairness.grants;
    fairness.last_grant[w.worker] = fairness.grants;
    advance(fairness, lane.name, weight_for(serving[best], lane.name));
  }
  // Workers that left are forgotten once the map outgrows the workers
  // there are (only those with free slots are passed in).
  if (fairness.last_grant.size() > 2 * workers.size() + 1024) {
    std::map<std::string, std::uint64_t, std::less<>> kept;
    for (std::size_t i = 0; i < workers.size(); ++i)
      if (last_grant[i] != 0) kept[workers[i].worker] = last_grant[i];
    fairness.last_grant.swap(kept);
  }
  // A pass at or below the virtual time means the same as none.
  std::erase_if(fairness.pass,
                [&](const auto& entry) { return entry.second <= fairness.virtual_time; });
  return grants;
}

std::vector<LeaseGrant> plan_leases(const State& state, std::vector<WorkerCredit>& workers,
                                    const std::unordered_set<JobId>& reserved, TimeMs now,
                                    std::size_t max_grants) {
  LeaseFairness fairness;
  return plan_leases(state, workers, reserved, now, max_grants, fairness);
}

}  // namespace desaster
