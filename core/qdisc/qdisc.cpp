// The part every discipline shares: holding the entries, and plan() on top
// of visit_plan().
#include "core/qdisc/qdisc.hpp"

#include <algorithm>

namespace desaster {

Status Qdisc::insert(QdiscEntry entry) {
  auto [it, fresh] = entries_.try_emplace(entry.id);
  if (!fresh) {
    return Status::error(ErrorCode::conflict,
                         "job " + std::to_string(it->first) + " is already in the discipline");
  }
  it->second = Held{entry.priority, intern(entry.flow), intern(entry.job_class), entry.ready_since,
                    entry.head_rank};
  on_insert(view(it->first, it->second));
  return Status::success();
}

bool Qdisc::erase(JobId id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  on_erase(view(it->first, it->second));
  release(it->second.flow);
  release(it->second.job_class);
  entries_.erase(it);
  return true;
}

std::optional<QdiscEntryView> Qdisc::find(JobId id) const {
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return view(it->first, it->second);
}

std::vector<QdiscEntry> Qdisc::entries_by_id() const {
  std::vector<QdiscEntry> out;
  out.reserve(entries_.size());
  for (const auto& [id, held] : entries_) out.push_back(view(id, held).owned());
  std::sort(out.begin(), out.end(),
            [](const QdiscEntry& a, const QdiscEntry& b) { return a.id < b.id; });
  return out;
}

const std::string* Qdisc::intern(const std::string& name) {
  auto it = names_.try_emplace(name, 0).first;
  ++it->second;
  return &it->first;
}

void Qdisc::release(const std::string* name) {
  auto it = names_.find(*name);
  if (--it->second == 0) names_.erase(it);
}

std::vector<JobId> Qdisc::plan(TimeMs now, std::size_t max) const {
  std::vector<JobId> out;
  if (max == 0) return out;
  visit_plan(now, [&](JobId id) {
    out.push_back(id);
    return out.size() < max ? PlanStep::take : PlanStep::stop;
  });
  return out;
}

std::optional<TimeMs> Qdisc::next_eligible(TimeMs) const {
  return std::nullopt;
}

}  // namespace desaster
