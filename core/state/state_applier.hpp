// Internal to core/state: the op handlers behind State::apply, one per op
// type. Job ops live in state_apply.cpp, queue-wide ops (purge, the queue
// ops, leader start) in state_apply_queues.cpp, pool ops in
// state_apply_pools.cpp. Handlers check everything
// before they change anything, so a refused item leaves no trace (a stale
// completion's duplicate count aside, which is the point of it).
#pragma once

#include <initializer_list>
#include <string>

#include "core/state/state_impl.hpp"

namespace desaster::state_detail {

Status conflict(std::string message);
Status bad_request(std::string message);

// The timed de-duplication of enqueues (state_apply_blacklist.cpp). The
// check refuses a job whose identity its queue saw within the window and
// counts the refusal; record notes an accepted or completed job.
Status dedup_check(StateData& s, const Job& job, TimeMs now);
void dedup_record(StateData& s, const Job& job, TimeMs now, bool processed);

// Appends to a job's history of runs, keeping the latest kMaxHistory.
void add_history(Job& job, Attempt attempt);

class Applier {
 public:
  Applier(StateData& s, const ApplyContext& ctx, ApplyResult& r) : s_(s), ctx_(ctx), r_(r) {}

  void operator()(const EnqueueOp& op) {
    for (const Job& job : op.jobs) r_.statuses.push_back(enqueue(job));
  }
  void operator()(const LeaseOp& op) {
    for (const LeaseGrant& g : op.grants) r_.statuses.push_back(lease(g));
  }
  void operator()(const CompleteOp& op) {
    for (const Completion& c : op.completions) r_.statuses.push_back(complete(c));
  }
  void operator()(const ReleaseOp& op) {
    for (JobId id : op.ids) r_.statuses.push_back(release(id, op.charge, op.reason));
  }
  void operator()(const PromoteOp& op) {
    for (JobId id : op.ids) r_.statuses.push_back(promote(id));
  }
  void operator()(const RetryOp& op) {
    for (JobId id : op.ids) r_.statuses.push_back(retry(id));
  }
  void operator()(const DeleteOp& op) {
    for (JobId id : op.ids) r_.statuses.push_back(remove(id));
  }
  void operator()(const PurgeOp&);
  void operator()(const QueueCreateOp& op);
  void operator()(const QueueConfigureOp& op);
  void operator()(const QueueClearOp& op);
  void operator()(const QueueDeleteOp& op);
  void operator()(const LeaderStartOp&);
  void operator()(const PoolDeclareOp& op);
  void operator()(const PoolRemoveOp& op);
  void operator()(const PoolReloadOp& op);
  // Job actions: state_apply_actions.cpp.
  void operator()(const KillOp& op);
  void operator()(const RelocateOp& op);
  void operator()(const ReroleOp& op);
  void operator()(const RescheduleOp& op);
  // Worker assignment ops: state_apply_assign.cpp.
  void operator()(const PoolAttachOp& op);
  void operator()(const PoolDetachOp& op);
  void operator()(const PoolPauseOp& op);
  void operator()(const NodeDrainOp& op);
  void operator()(const PinOp& op);
  void operator()(const BlacklistClearOp& op);
  // Cron ops: state_apply_cron.cpp.
  void operator()(const CronAddOp& op);
  void operator()(const CronRemoveOp& op);
  void operator()(const CronPauseOp& op);
  void operator()(const CronFireOp& op);

 private:
  Status enqueue(const Job& in);
  Status lease(const LeaseGrant& g);
  Status complete(const Completion& c);
  Status release(JobId id, bool charge, const std::string& reason);
  Status promote(JobId id);
  Status retry(JobId id);
  Status remove(JobId id);
  Status kill(JobId id);
  Status relocate(JobId id, const RelocateOp& op);
  Status rerole(JobId id, const ReroleOp& op);
  Status reschedule(JobId id, TimeMs run_at);

  // Back to the front of its queue, before every job of its priority.
  void to_head(JobSlot& slot, bool uncharge);
  // Removes the job with its event.
  void erase(JobSlot& slot);
  void erase_all(QueueEntry& q, std::initializer_list<JobState> states);
  // Moves the job to the queue named `queue` (created on first use); the
  // caller has detached it.
  void move_to_queue(JobSlot& slot, const std::string& queue);
  void event(const JobSlot& slot) { r_.events.push_back({slot.job.id, slot.job.state, false}); }

  StateData& s_;
  const ApplyContext& ctx_;
  ApplyResult& r_;
};

}  // namespace desaster::state_detail
