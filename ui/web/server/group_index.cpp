#include "ui/web/server/group_index.hpp"

#include <algorithm>

#include "core/state/job_groups.hpp"

namespace desaster::web {

namespace {

constexpr std::size_t kRebuildPage = 65'536;
constexpr JobState kTracked[] = {JobState::failed, JobState::dead, JobState::killed};

// The slot of a tracked state, or nullopt.
std::optional<std::uint8_t> slot_of(JobState state) {
  for (std::uint8_t i = 0; i < 3; ++i)
    if (kTracked[i] == state) return i;
  return std::nullopt;
}

// The slots states names (empty: failed and dead), each once; nullopt when
// one of them is not tracked.
std::optional<std::vector<std::uint8_t>> slots_of(const std::vector<JobState>& states) {
  std::vector<std::uint8_t> out;
  if (states.empty()) return std::vector<std::uint8_t>{0, 1};
  for (JobState s : states) {
    const std::optional<std::uint8_t> slot = slot_of(s);
    if (!slot) return std::nullopt;
    out.push_back(*slot);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

bool GroupIndex::tracks(const std::vector<JobState>& states) {
  return slots_of(states).has_value();
}

void GroupIndex::rebuild(const State& state) {
  jobs_.clear();
  groups_.clear();
  ListQuery q;
  q.states.assign(std::begin(kTracked), std::end(kTracked));
  q.limit = kRebuildPage;
  for (;;) {
    const ListPage page = state.list(q);
    for (const Job* job : page.jobs) {
      if (const std::optional<std::uint8_t> slot = slot_of(job->state)) add(*job, *slot);
    }
    if (page.cursor.empty()) break;
    q.cursor = page.cursor;
  }
}

void GroupIndex::apply(const ApplyResult& result, const State& state) {
  for (const JobEvent& e : result.events) {
    if (e.removed) {
      drop(e.id);
    } else {
      update(e.id, state);
    }
  }
}

void GroupIndex::update(JobId id, const State& state) {
  const Job* job = state.find(id);
  const std::optional<std::uint8_t> slot = job ? slot_of(job->state) : std::nullopt;
  if (!slot) return drop(id);
  if (auto it = jobs_.find(id); it != jobs_.end()) {
    // Most moves keep the error (failed -> dead, a retry's next failure with
    // the same text): the same signature, maybe another state.
    if (it->second.queue->first == job->queue &&
        it->second.group->first == error_signature(job->last_error)) {
      if (it->second.slot != *slot) {
        it->second.queue->second[it->second.slot].erase(id);
        it->second.queue->second[*slot].insert(id);
        it->second.slot = *slot;
      }
      return;
    }
    drop(id);
  }
  add(*job, *slot);
}

void GroupIndex::drop(JobId id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  auto* group = it->second.group;
  auto* queue = it->second.queue;
  queue->second[it->second.slot].erase(id);
  jobs_.erase(it);
  for (const auto& ids : queue->second)
    if (!ids.empty()) return;
  group->second.by_queue.erase(queue->first);
  if (group->second.by_queue.empty()) groups_.erase(group->first);
}

void GroupIndex::add(const Job& job, std::uint8_t slot) {
  auto [it, inserted] = groups_.try_emplace(error_signature(job.last_error));
  auto [queue, fresh] = it->second.by_queue.try_emplace(job.queue);
  queue->second[slot].insert(job.id);
  jobs_[job.id] = Entry{&*it, &*queue, slot};
}

std::optional<std::vector<JobGroup>> GroupIndex::error_groups(
    const std::vector<JobState>& states) const {
  const std::optional<std::vector<std::uint8_t>> slots = slots_of(states);
  if (!slots) return std::nullopt;
  std::vector<JobGroup> out;
  for (const auto& [signature, group] : groups_) {
    JobGroup g{signature};
    for (const auto& [queue, sets] : group.by_queue) {
      for (std::uint8_t s : *slots) {
        const std::set<JobId>& ids = sets[s];
        if (ids.empty()) continue;
        g.count += ids.size();
        g.example = std::max(g.example, *ids.rbegin());
      }
    }
    if (g.count > 0) out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end(), [](const JobGroup& a, const JobGroup& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  });
  return out;
}

std::vector<JobId> GroupIndex::ids(const std::string& signature,
                                   const std::vector<JobState>& states,
                                   const std::string& queue) const {
  std::vector<JobId> out;
  const std::optional<std::vector<std::uint8_t>> slots = slots_of(states);
  auto it = groups_.find(signature);
  if (!slots || it == groups_.end()) return out;
  for (const auto& [name, sets] : it->second.by_queue) {
    if (!queue.empty() && name != queue) continue;
    for (std::uint8_t s : *slots) {
      const std::set<JobId>& ids = sets[s];
      const auto middle = static_cast<std::ptrdiff_t>(out.size());
      out.insert(out.end(), ids.begin(), ids.end());
      std::inplace_merge(out.begin(), out.begin() + middle, out.end());
    }
  }
  return out;
}

}  // namespace desaster::web

namespace desaster::web {

std::vector<const std::set<JobId>*> GroupIndex::sets(const std::string& signature,
                                                     const std::vector<JobState>& states,
                                                     const std::string& queue) const {
  std::vector<const std::set<JobId>*> out;
  const std::optional<std::vector<std::uint8_t>> slots = slots_of(states);
  auto it = groups_.find(signature);
  if (!slots || it == groups_.end()) return out;
  for (const auto& [name, sets] : it->second.by_queue) {
    if (!queue.empty() && name != queue) continue;
    for (std::uint8_t s : *slots)
      if (!sets[s].empty()) out.push_back(&sets[s]);
  }
  return out;
}

}  // namespace desaster::web
