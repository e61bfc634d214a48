// Keeping the indexes of State (StateData) in step with the jobs: which index a
// job belongs to follows from its state alone (see state_impl.hpp).
#include <limits>

#include "core/state/state_impl.hpp"

namespace desaster::state_detail {

StateCounts QueueEntry::counts() const {
  StateCounts c;
  for (std::size_t s = 0; s < kJobStates; ++s) c.by_state[s] = by_state[s].size();
  return c;
}

std::optional<TimeMs> purge_time(TimeMs finished_at, std::uint64_t retention_ms) {
  constexpr TimeMs kMax = std::numeric_limits<TimeMs>::max();
  if (finished_at < 0) finished_at = 0;
  if (retention_ms > static_cast<std::uint64_t>(kMax - finished_at)) return std::nullopt;
  return finished_at + static_cast<TimeMs>(retention_ms);
}

JobSlot* StateData::find(JobId id) {
  auto it = jobs.find(id);
  return it == jobs.end() ? nullptr : &it->second;
}

const JobSlot* StateData::find(JobId id) const {
  auto it = jobs.find(id);
  return it == jobs.end() ? nullptr : &it->second;
}

QueueEntry* StateData::find_queue(std::string_view name) {
  auto it = queues.find(name);
  return it == queues.end() ? nullptr : &it->second;
}

const QueueEntry* StateData::find_queue(std::string_view name) const {
  auto it = queues.find(name);
  return it == queues.end() ? nullptr : &it->second;
}

QueueEntry& StateData::queue_for(const std::string& name) {
  auto it = queues.find(name);
  if (it == queues.end()) {
    it = queues.emplace(name, QueueEntry{}).first;
    // The default configuration is always valid.
    it->second.qdisc = std::move(*make_qdisc(it->second.config.qdisc, name));
  }
  return it->second;
}

Status StateData::set_qdisc(const std::string& name, QueueEntry& queue, const QdiscConfig& config) {
  Result<std::unique_ptr<Qdisc>> fresh =
      queue.qdisc ? switch_qdisc(*queue.qdisc, config, name) : make_qdisc(config, name);
  if (!fresh.ok()) return fresh.status();
  queue.qdisc = std::move(*fresh);
  queue.config.qdisc = config;
  return Status::success();
}

QdiscEntry qdisc_entry(const JobSlot& slot) {
  const Job& job = slot.job;
  return QdiscEntry{job.id,        job.priority,    job.flow.empty() ? job.job_class : job.flow,
                    job.job_class, job.ready_since, slot.head_rank};
}

const JobSlot* StateData::unique_holder(std::string_view key) const {
  auto it = unique.find(key);
  return it == unique.end() ? nullptr : find(it->second);
}

JobSlot& StateData::insert(Job job, std::uint64_t head_rank) {
  JobId id = job.id;
  QueueEntry* queue = find_queue(job.queue);
  JobSlot& slot = jobs.emplace(id, JobSlot{std::move(job), queue, head_rank}).first->second;
  if (id > max_job_id) max_job_id = id;
  attach(slot);
  return slot;
}

void StateData::erase(JobSlot& slot) {
  detach(slot);
  jobs.erase(slot.job.id);
}

void StateData::attach(JobSlot& slot) {
  const Job& job = slot.job;
  QueueEntry& q = *slot.queue;
  q.by_state[static_cast<std::size_t>(job.state)].insert(job.id);
  q.query[static_cast<std::size_t>(job.state)].attach(job);
  switch (job.state) {
    case JobState::scheduled:
    case JobState::failed:
      due.emplace(job.run_at, job.id);
      break;
    case JobState::queued:
      q.qdisc->insert(qdisc_entry(slot));  // ids are unique: cannot be refused
      break;
    case JobState::running:
      if (job.lease_expires_at != 0) leases.emplace(job.lease_expires_at, job.id);
      break;
    case JobState::succeeded:
      q.succeeded.emplace(job.finished_at, job.id);
      break;
    case JobState::dead:
    case JobState::killed:
      break;
  }
  if (!is_final(job.state) && !job.unique_key.empty()) unique.emplace(job.unique_key, job.id);
}

void StateData::detach(JobSlot& slot) {
  const Job& job = slot.job;
  QueueEntry& q = *slot.queue;
  q.by_state[static_cast<std::size_t>(job.state)].erase(job.id);
  q.query[static_cast<std::size_t>(job.state)].detach(job);
  switch (job.state) {
    case JobState::scheduled:
    case JobState::failed:
      due.erase({job.run_at, job.id});
      break;
    case JobState::queued:
      q.qdisc->erase(job.id);
      break;
    case JobState::running:
      if (job.lease_expires_at != 0) leases.erase({job.lease_expires_at, job.id});
      break;
    case JobState::succeeded:
      q.succeeded.erase({job.finished_at, job.id});
      break;
    case JobState::dead:
    case JobState::killed:
      break;
  }
  if (!job.unique_key.empty()) {
    auto it = unique.find(job.unique_key);
    if (it != unique.end() && it->second == job.id) unique.erase(it);
  }
}

}  // namespace desaster::state_detail
