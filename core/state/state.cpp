// The reads of State: client queries and the master's inputs for its next
// ops. All of them walk indexes from their front, never whole queues.
#include "core/state/state.hpp"

#include <algorithm>

#include "core/state/state_impl.hpp"

namespace desaster {

using namespace state_detail;

std::uint64_t StateCounts::total() const {
  std::uint64_t sum = 0;
  for (std::uint64_t n : by_state) sum += n;
  return sum;
}

State::State() : impl_(std::make_unique<Impl>()) {}
State::~State() = default;
State::State(State&&) noexcept = default;
State& State::operator=(State&&) noexcept = default;

std::uint64_t State::applied_index() const {
  return impl_->applied_index;
}
std::uint64_t State::applied_term() const {
  return impl_->applied_term;
}
const Totals& State::totals() const {
  return impl_->totals;
}
JobId State::max_job_id() const {
  return impl_->max_job_id;
}

std::vector<PoolSpec> State::pools() const {
  std::vector<PoolSpec> out;
  out.reserve(impl_->pools.size());
  for (const auto& [name, spec] : impl_->pools) out.push_back(spec);
  return out;
}

const PoolSpec* State::pool(std::string_view name) const {
  auto it = impl_->pools.find(name);
  return it == impl_->pools.end() ? nullptr : &it->second;
}

const Job* State::find(JobId id) const {
  const JobSlot* slot = impl_->find(id);
  return slot == nullptr ? nullptr : &slot->job;
}

namespace {

QueueInfo info(const std::string& name, const QueueEntry& q) {
  return QueueInfo{name, q.config, q.counts(), q.explicit_create};
}

}  // namespace

std::vector<QueueInfo> State::queues() const {
  std::vector<QueueInfo> out;
  out.reserve(impl_->queues.size());
  for (const auto& [name, q] : impl_->queues) out.push_back(info(name, q));
  return out;
}

std::optional<QueueInfo> State::queue(const std::string& name) const {
  const QueueEntry* q = impl_->find_queue(name);
  if (q == nullptr) return std::nullopt;
  return info(name, *q);
}

StateCounts State::counts() const {
  StateCounts c;
  for (const auto& [name, q] : impl_->queues) {
    for (std::size_t s = 0; s < kJobStates; ++s) c.by_state[s] += q.by_state[s].size();
  }
  return c;
}

void State::for_each_ready(const std::string& queue, TimeMs now,
                           const std::function<PlanStep(const Job&)>& visit) const {
  const QueueEntry* q = impl_->find_queue(queue);
  if (q == nullptr || q->config.paused) return;
  q->qdisc->visit_plan(now, [&](JobId id) { return visit(impl_->find(id)->job); });
}

// Least recently leased first, so that a planner serving them in this order
// lets no queue starve another even when it grants one job at a time.
std::vector<std::string> State::ready_queues() const {
  std::vector<std::pair<std::uint64_t, const std::string*>> ready;
  for (const auto& [name, q] : impl_->queues) {
    if (!q.config.paused && q.qdisc->size() > 0) ready.emplace_back(q.last_leased, &name);
  }
  std::stable_sort(ready.begin(), ready.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  out.reserve(ready.size());
  for (const auto& [last, name] : ready) out.push_back(*name);
  return out;
}

namespace {
std::vector<JobId> due_prefix(const std::set<TimeKey>& index, TimeMs now, std::size_t max) {
  std::vector<JobId> out;
  for (auto it = index.begin(); it != index.end() && it->first <= now && out.size() < max; ++it) {
    out.push_back(it->second);
  }
  return out;
}
}  // namespace

std::vector<JobId> State::due_promotions(TimeMs now, std::size_t max) const {
  return due_prefix(impl_->due, now, max);
}

std::vector<JobId> State::expired_leases(TimeMs now, std::size_t max) const {
  return due_prefix(impl_->leases, now, max);
}

std::vector<JobId> State::running_jobs() const {
  std::vector<JobId> out;
  for (const auto& [name, q] : impl_->queues) {
    const auto& running = q.by_state[static_cast<std::size_t>(JobState::running)];
    out.insert(out.end(), running.begin(), running.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool State::purge_due(TimeMs now) const {
  for (const auto& [name, q] : impl_->queues) {
    if (q.succeeded.empty()) continue;
    std::optional<TimeMs> due = purge_time(q.succeeded.begin()->first, q.config.retention_ms);
    if (due && *due <= now) return true;
  }
  return false;
}

std::optional<TimeMs> State::next_deadline() const {
  std::optional<TimeMs> deadline;
  auto consider = [&](std::optional<TimeMs> t) {
    if (t && (!deadline || *t < *deadline)) deadline = t;
  };
  if (!impl_->due.empty()) consider(impl_->due.begin()->first);
  if (!impl_->leases.empty()) consider(impl_->leases.begin()->first);
  for (const auto& [name, q] : impl_->queues) {
    if (!q.succeeded.empty()) {
      consider(purge_time(q.succeeded.begin()->first, q.config.retention_ms));
    }
  }
  return deadline;
}

std::optional<TimeMs> State::next_deadline(TimeMs now) const {
  std::optional<TimeMs> deadline = next_deadline();
  for (const auto& [name, q] : impl_->queues) {
    if (q.config.paused || q.qdisc->size() == 0) continue;
    // Only a time still to come: jobs eligible now wait for worker credit,
    // whose arrival wakes the master anyway.
    std::optional<TimeMs> t = q.qdisc->next_eligible(now);
    if (t && *t > now && (!deadline || *t < *deadline)) deadline = t;
  }
  return deadline;
}

}  // namespace desaster
