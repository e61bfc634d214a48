// The job actions of State::apply: kill, relocate, re-role and reschedule.
// Each answers one Status per id and changes nothing about a job it refuses;
// final jobs (succeeded, dead, killed) are refused by all of them.
//
// Stopping a running job is the dispatcher's part (a "cancel" push to the
// worker holding the lease); the state only voids the lease, so that the
// stopped run's report is a duplicate run and never ends a newer attempt.
#include <string>

#include "core/model/job_id.hpp"
#include "core/state/state_applier.hpp"

namespace desaster::state_detail {

namespace {

constexpr const char* kKilledError = "killed by an operator";

Status no_job(JobId id) {
  return Status::error(ErrorCode::not_found, "job " + format_job_id(id) + " not found");
}

// The refusal for a job in a state the action does not apply to.
Status refused(const Job& job, const std::string& why) {
  return conflict("job " + format_job_id(job.id) + " is " + to_string(job.state) + ": " + why);
}

bool waiting(JobState s) {
  return s == JobState::scheduled || s == JobState::queued || s == JobState::failed;
}

}  // namespace

void Applier::move_to_queue(JobSlot& slot, const std::string& queue) {
  if (slot.job.queue == queue) return;
  slot.job.queue = queue;
  slot.queue = &s_.queue_for(queue);
  // FIFO by id in the new queue; a place at the head does not travel.
  slot.head_rank = 0;
}

Status Applier::kill(JobId id) {
  JobSlot* slot = s_.find(id);
  if (slot == nullptr) return no_job(id);
  const Job& job = slot->job;
  if (is_final(job.state)) return refused(job, "already final");
  const bool was_running = job.state == JobState::running;
  s_.update(*slot, [&](JobSlot& js) {
    Job& j = js.job;
    if (was_running) {
      // The attempt ends here; term, attempt, node and worker stay as the
      // record of the lease the worker is told to stop.
      if (j.history.size() >= kMaxHistory) j.history.erase(j.history.begin());
      j.history.push_back(
          Attempt{j.attempts, j.started_at, ctx_.now, j.node, j.worker, 0, kKilledError, 0, 0});
      j.lease_expires_at = 0;
    }
    j.last_error = kKilledError;
    j.state = JobState::killed;
    j.finished_at = ctx_.now;
    js.head_rank = 0;
  });
  ++s_.totals.killed;
  event(*slot);
  return Status::success();
}

Status Applier::relocate(JobId id, const RelocateOp& op) {
  JobSlot* slot = s_.find(id);
  if (slot == nullptr) return no_job(id);
  const Job& job = slot->job;
  if (is_final(job.state)) return refused(job, "already final");
  const std::string queue = op.queue.empty() ? job.queue : op.queue;
  const bool was_running = job.state == JobState::running;
  if (was_running) {
    // Stopped and back at the head of its queue, the attempt uncharged (this
    // emits its event). The dispatcher holds the job back until the stopped
    // run has reported, so that run's (term, attempt) can never be taken for
    // the next lease's.
    to_head(*slot, true);
  }
  s_.update(*slot, [&](JobSlot& js) {
    const std::uint64_t rank = js.head_rank;
    move_to_queue(js, queue);
    if (was_running) js.head_rank = rank;  // the head of the new queue
    if (op.set_pin) js.job.pin_node = op.pin_node;
  });
  if (!was_running) event(*slot);
  return Status::success();
}

Status Applier::rerole(JobId id, const ReroleOp& op) {
  JobSlot* slot = s_.find(id);
  if (slot == nullptr) return no_job(id);
  const Job& job = slot->job;
  if (job.state == JobState::running) return refused(job, "kill or relocate it first");
  if (!waiting(job.state)) return refused(job, "already final");
  s_.update(*slot, [&](JobSlot& js) {
    Job& j = js.job;
    if (op.job_class) j.job_class = *op.job_class;
    if (op.priority) j.priority = *op.priority;
    if (op.flow) j.flow = *op.flow;
    if (op.queue) move_to_queue(js, *op.queue);
  });
  event(*slot);
  return Status::success();
}

Status Applier::reschedule(JobId id, TimeMs run_at) {
  JobSlot* slot = s_.find(id);
  if (slot == nullptr) return no_job(id);
  const Job& job = slot->job;
  if (job.state != JobState::scheduled && job.state != JobState::failed) {
    return refused(job, is_final(job.state) ? "already final"
                                            : "only scheduled or failed jobs wait for a run_at");
  }
  // Still scheduled (or failed) when the time has passed: the next
  // promotion makes it queued, as it would any due job.
  s_.update(*slot, [&](JobSlot& js) { js.job.run_at = run_at; });
  event(*slot);
  return Status::success();
}

void Applier::operator()(const KillOp& op) {
  for (JobId id : op.ids) r_.statuses.push_back(kill(id));
}

void Applier::operator()(const RelocateOp& op) {
  if (!op.queue.empty()) {
    if (std::string why = check_queue_name(op.queue); !why.empty()) {
      for (std::size_t i = 0; i < op.ids.size(); ++i) r_.statuses.push_back(bad_request(why));
      return;
    }
  }
  for (JobId id : op.ids) r_.statuses.push_back(relocate(id, op));
}

void Applier::operator()(const ReroleOp& op) {
  std::string why;
  if (op.queue) why = check_queue_name(*op.queue);
  if (why.empty() && op.job_class && op.job_class->empty()) why = "a job class cannot be empty";
  if (!why.empty()) {
    for (std::size_t i = 0; i < op.ids.size(); ++i) r_.statuses.push_back(bad_request(why));
    return;
  }
  for (JobId id : op.ids) r_.statuses.push_back(rerole(id, op));
}

void Applier::operator()(const RescheduleOp& op) {
  for (JobId id : op.ids) r_.statuses.push_back(reschedule(id, op.run_at));
}

}  // namespace desaster::state_detail
