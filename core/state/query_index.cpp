// Keeping QueryIndex in step with the jobs: attach when a job enters a
// (queue, state), detach before it leaves or changes (see state_impl.hpp).
#include "core/state/query_index.hpp"

namespace desaster::state_detail {

int numeric_slot(SortColumn column) {
  for (std::size_t i = 0; i < kNumericColumns.size(); ++i) {
    if (kNumericColumns[i] == column) return static_cast<int>(i);
  }
  return -1;
}

std::int64_t numeric_value(const Job& job, SortColumn column) {
  switch (column) {
    case SortColumn::priority:
      return job.priority;
    case SortColumn::attempts:
      return job.attempts;
    case SortColumn::created_at:
      return job.created_at;
    case SortColumn::started_at:
      return job.started_at;
    case SortColumn::finished_at:
      return job.finished_at;
    case SortColumn::run_at:
      return job.run_at;
    case SortColumn::id:
    case SortColumn::queue:
    case SortColumn::job_class:
    case SortColumn::state:
      break;
  }
  return 0;
}

void QueryIndex::attach(const Job& job) {
  for (std::size_t i = 0; i < kNumericColumns.size(); ++i)
    numeric[i].insert(QueryEntry{numeric_value(job, kNumericColumns[i]), job.id, &job});
  auto it = by_class.find(job.job_class);
  if (it == by_class.end()) it = by_class.emplace(job.job_class, QuerySet{}).first;
  it->second.insert(QueryEntry{0, job.id, &job});
}

void QueryIndex::detach(const Job& job) {
  for (std::size_t i = 0; i < kNumericColumns.size(); ++i)
    numeric[i].erase(QueryEntry{numeric_value(job, kNumericColumns[i]), job.id, nullptr});
  auto it = by_class.find(job.job_class);
  if (it == by_class.end()) return;
  it->second.erase(QueryEntry{0, job.id, nullptr});
  // Classes come and go; an empty set would be a source to skip on every query.
  if (it->second.empty()) by_class.erase(it);
}

}  // namespace desaster::state_detail
