// Internal to core/state: the per-job part of a ListQuery, for the filters no
// index answers (search, node, flow, attempts, time ranges, class). Built
// once per query; matches() is called for every job a query examines, so it
// allocates nothing.
#pragma once

#include <array>
#include <limits>
#include <string>
#include <string_view>

#include "core/state/state.hpp"

namespace desaster::state_detail {

// Case-insensitive (ASCII) substring search with a Boyer-Moore-Horspool table.
class FoldedSearch {
 public:
  explicit FoldedSearch(std::string_view needle);
  bool empty() const { return needle_.empty(); }
  bool found_in(std::string_view haystack) const;

 private:
  std::string needle_;  // lower-case
  std::array<std::size_t, 256> shift_{};
};

class JobFilter {
 public:
  explicit JobFilter(const ListQuery& query);

  bool matches(const Job& job) const;
  // True when matches() checks more than the job's class, i.e. counting
  // needs a look at each job.
  bool needs_scan() const { return needs_scan_; }

 private:
  bool search_matches(const Job& job) const;

  const ListQuery& query_;
  FoldedSearch search_;
  bool needs_scan_ = false;
};

}  // namespace desaster::state_detail
