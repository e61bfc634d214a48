// The master's dispatch decision: which queued jobs go to which workers now.
// Pure: reads state and the workers' free slots (credit), returns grants to
// propose as a LeaseOp. Load spreads by free capacity: the worker with the
// most free slots takes the next job.
#pragma once

#include <cstddef>
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
};

// reserved: jobs with a lease proposed but not applied yet; never granted again.
std::vector<LeaseGrant> plan_leases(const State& state, std::vector<WorkerCredit>& workers,
                                    const std::unordered_set<JobId>& reserved, TimeMs now,
                                    std::size_t max_grants);

}  // namespace desaster
