// The timed de-duplication blacklist in State::apply: the check and record
// that enqueue and complete call, and BlacklistClearOp.
#include "core/model/job_id.hpp"
#include "core/state/dedup_identity.hpp"
#include "core/state/state_applier.hpp"

namespace desaster::state_detail {

namespace {

std::uint64_t window_of(const StateData& s, const std::string& queue) {
  const QueueEntry* q = s.find_queue(queue);
  return q == nullptr ? 0 : q->config.dedup_window_ms;
}

std::string describe_age(TimeMs then, TimeMs now) {
  TimeMs ago = now >= then ? now - then : 0;
  return format_utc_ms(then) + ", " + std::to_string(ago / 1000) + "." +
         std::to_string(ago % 1000 / 100) + " s ago";
}

}  // namespace

Status dedup_check(StateData& s, const Job& job, TimeMs now) {
  std::uint64_t window = window_of(s, job.queue);
  if (window == 0) return Status::success();
  std::string identity = dedup_identity(job.unique_key, job.job_class, job.payload);
  const BlacklistEntry* seen = s.blacklists.find(job.queue, identity);
  if (seen == nullptr) return Status::success();
  s.blacklists.count_rejection(job.queue);
  return conflict("duplicate of job " + format_job_id(seen->job) + " in queue '" + job.queue +
                  "': " + identity + " was " + (seen->processed ? "processed" : "enqueued") +
                  " at " + describe_age(seen->seen_at, now) + ", within the " +
                  std::to_string(window) + " ms de-duplication window");
}

void dedup_record(StateData& s, const Job& job, TimeMs now, bool processed) {
  std::uint64_t window = window_of(s, job.queue);
  if (window == 0) return;
  s.blacklists.record(job.queue, dedup_identity(job.unique_key, job.job_class, job.payload), job.id,
                      now, window, processed);
}

void Applier::operator()(const BlacklistClearOp& op) {
  if (!op.queue.empty() && s_.find_queue(op.queue) == nullptr) {
    r_.statuses.push_back(
        Status::error(ErrorCode::not_found, "queue '" + op.queue + "' not found"));
    return;
  }
  std::size_t removed = s_.blacklists.clear(op.queue, op.identity);
  if (!op.identity.empty() && removed == 0) {
    r_.statuses.push_back(Status::error(
        ErrorCode::not_found, "'" + op.identity + "' is not on the blacklist" +
                                  (op.queue.empty() ? "" : " of queue '" + op.queue + "'")));
    return;
  }
  r_.statuses.push_back(Status::success());
}

}  // namespace desaster::state_detail
