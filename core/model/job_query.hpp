// The vocabulary of job queries, shared by the state's reads and the client
// protocol: the columns a job list sorts by, time ranges, and the ways the
// failed set is grouped. Plain data; the query itself runs in core/state.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "core/model/job.hpp"

namespace desaster {

// Columns a job list can be sorted by. Every order is total: ties are broken
// by id, so a cursor (sort key + id) names one place in it.
enum class SortColumn : std::uint8_t {
  id,
  queue,      // by queue name
  job_class,  // "class" on the wire
  state,      // in JobState order
  priority,
  attempts,
  created_at,
  started_at,
  finished_at,
  run_at,
};

const char* to_string(SortColumn column);
bool sort_column_from_string(std::string_view name, SortColumn& out);

// A half-open time range [from, to): a job matches when from <= t < to.
struct TimeRange {
  TimeMs from = std::numeric_limits<TimeMs>::min();
  TimeMs to = std::numeric_limits<TimeMs>::max();

  bool unbounded() const {
    return from == std::numeric_limits<TimeMs>::min() && to == std::numeric_limits<TimeMs>::max();
  }
  bool contains(TimeMs t) const { return from <= t && t < to; }
};

// How failed and dead jobs are grouped.
enum class GroupBy : std::uint8_t {
  queue,      // the queue the job was enqueued to
  job_class,  // "class" on the wire
  error,      // the error signature (job_groups.hpp in core/state)
};

const char* to_string(GroupBy by);
bool group_by_from_string(std::string_view name, GroupBy& out);

}  // namespace desaster
