// The cron ops (op.hpp) and the reads of cron entries. A fire makes a job
// through the ordinary enqueue, keyed by cron_unique_key; instants of an
// entry only move forward (last_instant), so the same scheduled instant is
// never decided twice, whichever leader proposes it and however often.
#include <algorithm>

#include "core/state/state_applier.hpp"

namespace desaster {

using namespace state_detail;

std::vector<CronEntry> State::cron_entries() const {
  std::vector<CronEntry> out;
  out.reserve(impl_->cron.size());
  for (const auto& [name, entry] : impl_->cron) out.push_back(entry);
  return out;
}

void State::visit_cron_entries(const std::function<void(const CronEntry&)>& f) const {
  for (const auto& [name, entry] : impl_->cron) f(entry);
}

const CronEntry* State::cron_entry(std::string_view name) const {
  auto it = impl_->cron.find(name);
  return it == impl_->cron.end() ? nullptr : &it->second;
}

namespace state_detail {
namespace {

Status no_entry(std::string_view name) {
  return Status::error(ErrorCode::not_found, "no cron entry '" + std::string(name) + "'");
}

void record(CronEntry& entry, CronRun run) {
  entry.runs.push_back(run);
  if (entry.runs.size() > kCronRunsKept) entry.runs.erase(entry.runs.begin());
}

// The newest job the entry made, if it is not final yet.
bool previous_live(const StateData& s, const CronEntry& entry) {
  for (auto it = entry.runs.rbegin(); it != entry.runs.rend(); ++it) {
    if (it->job == 0) continue;
    const JobSlot* slot = s.find(it->job);
    return slot != nullptr && !is_final(slot->job.state);
  }
  return false;
}

}  // namespace

void Applier::operator()(const CronAddOp& op) {
  const CronEntry& in = op.entry;
  if (std::string error = check_cron_name(in.name); !error.empty()) {
    r_.statuses.push_back(bad_request(error));
    return;
  }
  if (std::string error = check_queue_name(in.job.queue); !error.empty()) {
    r_.statuses.push_back(bad_request(error));
    return;
  }
  if (s_.cron.find(in.name) != s_.cron.end()) {
    r_.statuses.push_back(conflict("cron entry '" + in.name + "' exists; remove it first"));
    return;
  }
  CronEntry entry = in;
  // Instants up to the add are not the entry's to fire.
  entry.created_at = ctx_.now;
  entry.last_instant = ctx_.now;
  entry.runs.clear();
  s_.cron.emplace(entry.name, std::move(entry));
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const CronRemoveOp& op) {
  auto it = s_.cron.find(op.name);
  if (it == s_.cron.end()) {
    r_.statuses.push_back(no_entry(op.name));
    return;
  }
  s_.cron.erase(it);
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const CronPauseOp& op) {
  auto it = s_.cron.find(op.name);
  if (it == s_.cron.end()) {
    r_.statuses.push_back(no_entry(op.name));
    return;
  }
  // Resuming does not fire what passed while paused: those instants count
  // as decided.
  if (it->second.paused && !op.paused) {
    it->second.last_instant = std::max(it->second.last_instant, ctx_.now);
  }
  it->second.paused = op.paused;
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const CronFireOp& op) {
  auto it = s_.cron.find(op.name);
  if (it == s_.cron.end()) {
    r_.statuses.push_back(no_entry(op.name));
    return;
  }
  CronEntry& entry = it->second;
  const bool manual = op.kind == CronRunKind::manual;
  if (!manual) {
    if (op.instant <= entry.last_instant) {
      r_.statuses.push_back(conflict("cron entry '" + op.name + "': instant " +
                                     std::to_string(op.instant) + " already decided"));
      return;
    }
  }
  if (op.kind == CronRunKind::skipped_missed || op.kind == CronRunKind::skipped_overlap) {
    entry.last_instant = op.instant;
    record(entry, CronRun{op.instant, 0, op.kind});
    r_.statuses.push_back(Status::success());
    return;
  }
  if (entry.overlap == CronOverlap::forbid && previous_live(s_, entry)) {
    if (!manual) entry.last_instant = op.instant;
    record(entry, CronRun{op.instant, 0, CronRunKind::skipped_overlap});
    r_.statuses.push_back(Status::success());
    return;
  }
  Job job = entry.job;
  job.id = op.job_id;
  job.run_at = 0;
  job.unique_key = cron_unique_key(entry.name, op.instant) + (manual ? "/run" : "");
  Status st = enqueue(job);
  if (!st.ok()) {
    // Refused (the queue's de-duplication window, say): the instant is
    // decided all the same, so the leader does not propose it forever.
    if (!manual) entry.last_instant = op.instant;
    record(entry, CronRun{op.instant, 0, op.kind});
    r_.statuses.push_back(st);
    return;
  }
  if (!manual) entry.last_instant = op.instant;
  record(entry, CronRun{op.instant, job.id, op.kind});
  r_.statuses.push_back(Status::success());
}

}  // namespace state_detail
}  // namespace desaster
