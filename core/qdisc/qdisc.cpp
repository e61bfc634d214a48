// The part every discipline shares: holding the entries, and plan() on top
// of visit_plan().
#include "core/qdisc/qdisc.hpp"

#include <algorithm>

namespace desaster {

Status Qdisc::insert(QdiscEntry entry) {
  auto [it, fresh] = entries_.try_emplace(entry.id, std::move(entry));
  if (!fresh) {
    return Status::error(ErrorCode::conflict,
                         "job " + std::to_string(it->first) + " is already in the discipline");
  }
  on_insert(it->second);
  return Status::success();
}

bool Qdisc::erase(JobId id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  on_erase(it->second);
  entries_.erase(it);
  return true;
}

const QdiscEntry* Qdisc::find(JobId id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const QdiscEntry*> Qdisc::entries_by_id() const {
  std::vector<const QdiscEntry*> out;
  out.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) out.push_back(&entry);
  std::sort(out.begin(), out.end(),
            [](const QdiscEntry* a, const QdiscEntry* b) { return a->id < b->id; });
  return out;
}

std::vector<JobId> Qdisc::plan(TimeMs now, std::size_t max) const {
  std::vector<JobId> out;
  if (max == 0) return out;
  visit_plan(now, [&](const QdiscEntry& e) {
    out.push_back(e.id);
    return out.size() < max ? PlanStep::take : PlanStep::stop;
  });
  return out;
}

std::optional<TimeMs> Qdisc::next_eligible(TimeMs) const {
  return std::nullopt;
}

}  // namespace desaster
