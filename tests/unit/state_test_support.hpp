// Helpers for the state machine tests: a fake log (term, index and clock
// under the test's control), job builders and views of what State exposes.
#pragma once

#include <string>
#include <vector>

#include "core/model/job.hpp"
#include "core/state/op_codec.hpp"
#include "core/state/state.hpp"

namespace desaster::testing {

inline constexpr TimeMs kT0 = 1'750'000'000'000;

inline Job make_job(JobId id, std::string queue = "default", std::int32_t priority = 0) {
  Job job;
  job.id = id;
  job.queue = std::move(queue);
  job.job_class = "shell";
  job.payload = "payload-" + std::to_string(id);
  job.priority = priority;
  return job;
}

// Applies ops as a log would: consecutive indexes, a term and a clock the
// test moves.
struct Log {
  State state;
  std::uint64_t term = 1;
  std::uint64_t index = 0;
  TimeMs now = kT0;

  ApplyResult apply(const Op& op) { return apply_to(state, op); }
  ApplyResult apply_to(State& target, const Op& op) const {
    return target.apply(op, ApplyContext{term, index + 1, now});
  }
  ApplyResult step(const Op& op) {
    ApplyResult r = apply(op);
    ++index;
    return r;
  }

  Status enqueue(Job job) { return step(EnqueueOp{{std::move(job)}}).statuses.at(0); }
  Status lease(JobId id, std::string worker = "w1", TimeMs expires_at = 0) {
    const Job* job = state.find(id);
    std::uint32_t attempt = job ? job->attempts + 1 : 1;
    return step(LeaseOp{{LeaseGrant{id, attempt, "node-a", std::move(worker), expires_at}}})
        .statuses.at(0);
  }
  Status complete(JobId id, Outcome outcome, std::string error = {}) {
    const Job* job = state.find(id);
    Completion c;
    c.id = id;
    c.term = job ? job->lease_term : term;
    c.attempt = job ? job->attempts : 1;
    c.outcome = outcome;
    c.exit_status = outcome == Outcome::succeeded ? 0 : 1;
    c.error = std::move(error);
    c.output_tail = "out";
    return step(CompleteOp{{c}}).statuses.at(0);
  }
  Status one(const Op& op) { return step(op).statuses.at(0); }
};

inline std::vector<JobId> ready_order(const State& state, const std::string& queue,
                                      TimeMs now = kT0) {
  std::vector<JobId> ids;
  state.for_each_ready(queue, now, [&](const Job& job) {
    ids.push_back(job.id);
    return PlanStep::take;
  });
  return ids;
}

// Every field of a job, compared through its storage form.
inline std::string job_bytes(const Job& job) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pack_job(pk, job);
  return std::string(buffer.data(), buffer.size());
}

inline std::vector<JobId> page_ids(const ListPage& page) {
  std::vector<JobId> ids;
  for (const Job* job : page.jobs) ids.push_back(job->id);
  return ids;
}

}  // namespace desaster::testing
