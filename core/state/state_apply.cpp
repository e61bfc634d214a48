// The job ops of State::apply: enqueue, lease, complete, release, promote,
// retry and delete, each returning a Status per item of its batch and an
// event per job whose state changed.
#include <limits>

#include "core/model/job_id.hpp"
#include "core/state/retry_policy.hpp"
#include "core/state/state_applier.hpp"

namespace desaster::state_detail {

Status conflict(std::string message) {
  return Status::error(ErrorCode::conflict, std::move(message));
}
Status bad_request(std::string message) {
  return Status::error(ErrorCode::bad_request, std::move(message));
}

namespace {

TimeMs add_saturating(TimeMs t, TimeMs delta) {
  constexpr TimeMs kMax = std::numeric_limits<TimeMs>::max();
  return t > kMax - delta ? kMax : t + delta;
}

std::string job_name(JobId id) {
  return "job " + format_job_id(id);
}

Status not_found(JobId id) {
  return Status::error(ErrorCode::not_found, job_name(id) + " not found");
}

Status in_state(const Job& job, const char* needed) {
  return conflict(job_name(job.id) + " is " + to_string(job.state) + ", " + needed);
}

Status unique_conflict(std::string_view key, const Job& holder) {
  return conflict("unique key '" + std::string(key) + "' is held by job " +
                  format_job_id(holder.id) + " (" + to_string(holder.state) + ")");
}

void clear_lease(Job& job) {
  job.lease_term = 0;
  job.node.clear();
  job.worker.clear();
  job.lease_expires_at = 0;
}

// An enqueued job starts afresh whatever the client filled in beyond its spec.
Job fresh_job(const Job& in, const ApplyContext& ctx) {
  Job job;
  job.id = in.id;
  job.queue = in.queue;
  job.kind = in.kind;
  job.job_class = in.job_class;
  job.payload = in.payload;
  job.unique_key = in.unique_key;
  job.priority = in.priority;
  job.run_at = in.run_at;
  job.timeout_ms = in.timeout_ms;
  job.retry = in.retry;
  job.pin_node = in.pin_node;
  job.pin_pool = in.pin_pool;
  job.flow = in.flow;
  job.created_at = in.created_at != 0 ? in.created_at : ctx.now;
  job.state = in.run_at > ctx.now ? JobState::scheduled : JobState::queued;
  if (job.state == JobState::queued) job.ready_since = ctx.now;
  return job;
}

}  // namespace

void add_history(Job& job, Attempt attempt) {
  if (job.history.size() >= kMaxHistory) {
    job.history.erase(
        job.history.begin(),
        job.history.begin() + static_cast<std::ptrdiff_t>(job.history.size() - kMaxHistory + 1));
  }
  job.history.push_back(std::move(attempt));
}

Status Applier::enqueue(const Job& in) {
  if (std::string error = check_queue_name(in.queue); !error.empty()) return bad_request(error);
  if (in.id == 0) return bad_request("job id 0 is not valid");
  if (s_.find(in.id) != nullptr) return conflict(job_name(in.id) + " already exists");
  if (!in.unique_key.empty()) {
    if (const JobSlot* holder = s_.unique_holder(in.unique_key)) {
      return unique_conflict(in.unique_key, holder->job);
    }
  }
  if (Status dup = dedup_check(s_, in, ctx_.now); !dup.ok()) return dup;
  s_.queue_for(in.queue);
  const JobSlot& slot = s_.insert(fresh_job(in, ctx_), 0);
  dedup_record(s_, slot.job, ctx_.now, false);
  ++s_.totals.enqueued;
  event(slot);
  return Status::success();
}

Status Applier::lease(const LeaseGrant& g) {
  JobSlot* slot = s_.find(g.id);
  if (slot == nullptr) return not_found(g.id);
  const Job& job = slot->job;
  if (job.state != JobState::queued) return in_state(job, "not queued");
  if (slot->queue->config.paused) return conflict("queue '" + job.queue + "' is paused");
  if (job.attempts == std::numeric_limits<std::uint32_t>::max() || g.attempt != job.attempts + 1) {
    return conflict("stale grant for " + job_name(g.id) + ": attempt " + std::to_string(g.attempt) +
                    ", but the next attempt is " + std::to_string(std::uint64_t{job.attempts} + 1));
  }
  // Charged while the job is still held: the discipline's accounting
  // (flows' turns, token buckets) moves with the op, on every replica alike.
  slot->queue->qdisc->on_dispatched(g.id, ctx_.now);
  s_.update(*slot, [&](JobSlot& js) {
    Job& j = js.job;
    j.state = JobState::running;
    ++j.attempts;
    j.started_at = ctx_.now;
    j.lease_term = ctx_.term;
    j.node = g.node;
    j.worker = g.worker;
    j.lease_expires_at = g.expires_at;
    js.head_rank = 0;
  });
  slot->queue->last_leased = ctx_.index;
  event(*slot);
  return Status::success();
}

Status Applier::complete(const Completion& c) {
  JobSlot* slot = s_.find(c.id);
  if (slot == nullptr) return not_found(c.id);
  Job& job = slot->job;
  if (job.state != JobState::running || job.lease_term != c.term || job.attempts != c.attempt) {
    // A report for a lease that is no longer current: the job ran twice.
    ++job.duplicate_runs;
    ++s_.totals.duplicate_runs;
    return conflict("stale report for " + job_name(c.id) + " (term " + std::to_string(c.term) +
                    ", attempt " + std::to_string(c.attempt) + "): the job is " +
                    to_string(job.state) + " at term " + std::to_string(job.lease_term) +
                    ", attempt " + std::to_string(job.attempts));
  }
  RetryPolicy policy = effective_retry_policy(job.retry, slot->queue->config.retry);
  Totals& totals = s_.totals;
  if (!job.node.empty()) ++s_.jobs_run_by_node[job.node];
  dedup_record(s_, job, ctx_.now, true);
  // Service time from op timestamps only, so every replica averages alike.
  // Timeouts and kills say little about how long the work takes.
  if (c.outcome == Outcome::succeeded || c.outcome == Outcome::failed) {
    s_.service_times.record(service_key(job), ctx_.now - job.started_at);
    s_.service_times.record_queue(job.queue, ctx_.now - job.started_at);
  }
  s_.update(*slot, [&](JobSlot& js) {
    Job& j = js.job;
    add_history(j, Attempt{j.attempts, j.started_at, ctx_.now, j.node, j.worker, c.exit_status,
                           c.error, c.cpu_ms, c.max_rss_kb});
    j.exit_status = c.exit_status;
    j.output_tail = c.output_tail;
    j.last_error = c.error;
    j.lease_expires_at = 0;
    switch (c.outcome) {
      case Outcome::succeeded:
        j.state = JobState::succeeded;
        j.finished_at = ctx_.now;
        ++totals.succeeded;
        break;
      case Outcome::killed:
        j.state = JobState::killed;
        j.finished_at = ctx_.now;
        ++totals.killed;
        break;
      case Outcome::failed:
      case Outcome::timed_out:
        ++totals.failed_attempts;
        if (j.attempts < policy.max_attempts) {
          j.state = JobState::failed;
          j.run_at = add_saturating(ctx_.now, backoff_delay_ms(policy, j.id, j.attempts));
        } else {
          j.state = JobState::dead;
          j.finished_at = ctx_.now;
          ++totals.dead;
        }
        break;
    }
  });
  event(*slot);
  return Status::success();
}

// Back to the front of its queue, before every job of its priority; the
// rank grows with every release, so the latest release goes first.
void Applier::to_head(JobSlot& slot, bool uncharge) {
  s_.update(slot, [&](JobSlot& js) {
    Job& j = js.job;
    j.state = JobState::queued;
    if (uncharge && j.attempts > 0) --j.attempts;
    clear_lease(j);
    js.head_rank = ++s_.head_counter;
  });
  event(slot);
}

Status Applier::release(JobId id, bool charge, const std::string& reason) {
  JobSlot* slot = s_.find(id);
  if (slot == nullptr) return not_found(id);
  if (slot->job.state != JobState::running) return in_state(slot->job, "not running");
  if (!charge) {
    to_head(*slot, true);
    return Status::success();
  }
  // The attempt counts as a failed one: recorded, and the end of the job
  // when it was the last.
  RetryPolicy policy = effective_retry_policy(slot->job.retry, slot->queue->config.retry);
  Job& job = slot->job;
  add_history(
      job, Attempt{job.attempts, job.started_at, ctx_.now, job.node, job.worker, 0, reason, 0, 0});
  job.last_error = reason;
  ++s_.totals.failed_attempts;
  if (job.attempts < policy.max_attempts) {
    to_head(*slot, false);
    return Status::success();
  }
  s_.update(*slot, [&](JobSlot& js) {
    js.job.state = JobState::dead;
    js.job.finished_at = ctx_.now;
    clear_lease(js.job);
  });
  ++s_.totals.dead;
  event(*slot);
  return Status::success();
}

Status Applier::promote(JobId id) {
  JobSlot* slot = s_.find(id);
  if (slot == nullptr) return not_found(id);
  const Job& job = slot->job;
  if (job.state != JobState::scheduled && job.state != JobState::failed) {
    return in_state(job, "not scheduled or failed");
  }
  if (job.run_at > ctx_.now) {
    return conflict(job_name(id) + " is not due until " + std::to_string(job.run_at));
  }
  s_.update(*slot, [&](JobSlot& js) {
    js.job.state = JobState::queued;
    js.job.ready_since = ctx_.now;
    js.head_rank = 0;
  });
  event(*slot);
  return Status::success();
}

Status Applier::retry(JobId id) {
  JobSlot* slot = s_.find(id);
  if (slot == nullptr) return not_found(id);
  const Job& job = slot->job;
  switch (job.state) {
    case JobState::running:
      return in_state(job, "kill it first");
    case JobState::queued:
      return Status::success();
    case JobState::scheduled:
    case JobState::failed:
    case JobState::succeeded:
    case JobState::dead:
    case JobState::killed:
      break;
  }
  // A final job gave up its unique key; another job may hold it by now.
  if (is_final(job.state) && !job.unique_key.empty()) {
    if (const JobSlot* holder = s_.unique_holder(job.unique_key)) {
      return unique_conflict(job.unique_key, holder->job);
    }
  }
  s_.update(*slot, [&](JobSlot& js) {
    Job& j = js.job;
    j.state = JobState::queued;
    j.ready_since = ctx_.now;
    j.attempts = 0;
    j.run_at = 0;
    j.finished_at = 0;
    j.lease_expires_at = 0;
    js.head_rank = 0;
  });
  event(*slot);
  return Status::success();
}

void Applier::erase(JobSlot& slot) {
  r_.events.push_back({slot.job.id, slot.job.state, true});
  s_.erase(slot);
}

Status Applier::remove(JobId id) {
  JobSlot* slot = s_.find(id);
  if (slot == nullptr) return not_found(id);
  if (slot->job.state == JobState::running) return conflict("job is running; kill it first");
  erase(*slot);
  return Status::success();
}

}  // namespace desaster::state_detail

namespace desaster {

ApplyResult State::apply(const Op& op, const ApplyContext& ctx) {
  ApplyResult result;
  // Before the op, so that it never sees an entry its own time has passed.
  impl_->blacklists.expire(ctx.now);
  std::visit(state_detail::Applier(*impl_, ctx, result), op);
  impl_->applied_index = ctx.index;
  impl_->applied_term = ctx.term;
  return result;
}

}  // namespace desaster
