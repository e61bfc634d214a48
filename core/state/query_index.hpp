// Internal to core/state: the indexes behind State::list() queries, kept per
// (queue, state) beside the jobs (state_impl.hpp) and derived from them alone,
// so snapshots rebuild them and never store them.
//
// Per (queue, state) there is one ordered set per numeric sort column, keyed
// (value, id), and one id-ordered set per class (chunked_set.hpp: sorted
// chunks, not tree nodes, for the memory per job). The class sets serve the
// orders by id, queue, state and class (and give exact counts for class
// filters); the numeric sets serve the other sort columns. Each entry holds
// a pointer to its job (jobs sit in map nodes that never move), so a query
// walks an index without looking jobs up.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "core/model/job.hpp"
#include "core/model/job_query.hpp"
#include "core/qdisc/chunked_set.hpp"

namespace desaster::state_detail {

struct QueryEntry {
  std::int64_t key = 0;  // the column's value; 0 in class sets
  JobId id = 0;
  const Job* job = nullptr;
};

struct QueryEntryOrder {
  bool operator()(const QueryEntry& a, const QueryEntry& b) const {
    if (a.key != b.key) return a.key < b.key;
    return a.id < b.id;
  }
};

using QuerySet = ChunkedSet<QueryEntry, QueryEntryOrder>;

// The numeric sort columns, in the order of QueryIndex::numeric.
inline constexpr std::array<SortColumn, 6> kNumericColumns{
    SortColumn::priority,   SortColumn::attempts,    SortColumn::created_at,
    SortColumn::started_at, SortColumn::finished_at, SortColumn::run_at};

// The slot of column in QueryIndex::numeric, or -1 when it has none.
int numeric_slot(SortColumn column);
// The value of a numeric column of job.
std::int64_t numeric_value(const Job& job, SortColumn column);

struct QueryIndex {
  std::array<QuerySet, kNumericColumns.size()> numeric;
  std::map<std::string, QuerySet, std::less<>> by_class;

  void attach(const Job& job);
  void detach(const Job& job);
};

}  // namespace desaster::state_detail
