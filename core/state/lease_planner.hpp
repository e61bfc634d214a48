// The master's dispatch decision: which queued jobs go to which workers now.
// Pure: reads state and the workers' free slots (credit), returns grants to
// propose as a LeaseOp. Load spreads by free capacity: the worker with the
// most free slots takes the next job.
//
// Workers of a pool (the shell pool, a Ruby pool) serve the queues the
// replicated assignment gives their pool on their node, with weights;
// external workers serve the queues they registered with, at weight 1. A
// paused pool's workers and every worker of a draining node get nothing. A
// pinned job goes only to a worker of its node and pool.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/state/state.hpp"

namespace desaster {

struct WorkerCredit {
  std::string node;
  std::string worker;
  std::vector<std::string> queues;          // "*" serves every queue
  std::vector<JobKind> kinds;               // the kinds it runs; empty: every kind
  std::uint32_t free = 0;                   // decremented for every grant planned
  std::uint32_t timeout_grace_ms = 10'000;  // added to a job's timeout for its lease expiry
  // The node pool it belongs to ("shell" or a Ruby pool's name): its queues
  // and weights then come from the state, not from `queues`. Empty: an
  // external worker.
  std::string pool;
};

// Stride scheduling across plans: each queue's pass advances by
// kStridePass / weight per job granted, and the queue with the lowest pass
// goes next, so queues that all have work get jobs in proportion to their
// weights. A queue that was idle rejoins at the current virtual time
// instead of catching up. Kept by the master between plans; not
// replicated (a new master starts fair from zero).
struct LeaseFairness {
  static constexpr std::uint64_t kStridePass = 1u << 20;
  std::map<std::string, std::uint64_t, std::less<>> pass;
  std::uint64_t virtual_time = 0;
  // Which grant (counted from 1) each worker got last. Workers with equally
  // many free slots take turns by it, so jobs that arrive one at a time
  // spread over every node instead of always going to the first listed.
  std::map<std::string, std::uint64_t, std::less<>> last_grant;
  std::uint64_t grants = 0;
};

// Jobs that no worker of a queue can take (pinned elsewhere, or of a kind
// none of them runs) are skipped, at most this many per queue and plan, so a
// crowd of them cannot make planning scan the whole queue; jobs behind more
// than that many wait for them.
inline constexpr std::size_t kMaxPinnedSkips = 1024;

// reserved: jobs with a lease proposed but not applied yet; never granted again.
std::vector<LeaseGrant> plan_leases(const State& state, std::vector<WorkerCredit>& workers,
                                    const std::unordered_set<JobId>& reserved, TimeMs now,
                                    std::size_t max_grants, LeaseFairness& fairness);
// The same with fairness starting from zero.
std::vector<LeaseGrant> plan_leases(const State& state, std::vector<WorkerCredit>& workers,
                                    const std::unordered_set<JobId>& reserved, TimeMs now,
                                    std::size_t max_grants);

}  // namespace desaster
