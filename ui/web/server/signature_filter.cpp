#include "ui/web/server/signature_filter.hpp"

#include <algorithm>
#include <functional>

#include "core/state/job_filter.hpp"
#include "core/state/job_groups.hpp"
#include "core/state/list_query.hpp"

namespace desaster::web {

namespace {

constexpr std::size_t kChunk = 10'000;

ListQuery walk_of(const ListQuery& query) {
  ListQuery scan = query;
  scan.sort = SortColumn::id;
  scan.limit = kChunk;
  if (!scan.state && scan.states.empty()) scan.states = {JobState::failed, JobState::dead};
  return scan;
}

}  // namespace

ListPage list_by_signature(const State& state, const ListQuery& query,
                           const std::string& signature) {
  ListPage out;
  ListQuery scan = walk_of(query);
  scan.cursor.clear();
  std::optional<JobId> after;
  if (!query.cursor.empty()) {
    if (Result<QueryCursor> c = decode_query_cursor(query.cursor); c.ok()) after = c->id;
  }
  bool more = false;
  for (;;) {
    const ListPage page = state.list(scan);
    for (const Job* job : page.jobs) {
      if (error_signature(job->last_error) != signature) continue;
      ++out.total;
      if (after && (query.descending ? job->id >= *after : job->id <= *after)) continue;
      if (out.jobs.size() < query.limit) {
        out.jobs.push_back(job);
      } else {
        more = true;
      }
    }
    if (page.cursor.empty()) break;
    scan.cursor = page.cursor;
  }
  if (more && !out.jobs.empty()) {
    out.cursor = encode_query_cursor(
        QueryCursor{SortColumn::id, query.descending, 0, out.jobs.back()->id, std::string()});
  }
  return out;
}

std::optional<ListPage> list_by_signature(const State& state, const GroupIndex& groups,
                                          const ListQuery& query, const std::string& signature) {
  std::vector<JobState> states = query.states;
  if (query.state) states.push_back(*query.state);
  if (!GroupIndex::tracks(states) || query.after != 0) return std::nullopt;
  std::optional<JobId> after;
  if (!query.cursor.empty()) {
    if (Result<QueryCursor> c = decode_query_cursor(query.cursor); c.ok()) after = c->id;
  }
  // The rest of the query (class, search, ranges...) as list() checks it.
  const state_detail::JobFilter filter(query);
  ListPage out;
  bool more = false;
  if (query.job_class.empty() && !filter.needs_scan()) {
    // Every id of the group's sets matches: the total is their size, and
    // the page is the first limit + 1 ids after the cursor of each set,
    // merged (a few sets: one per queue and state).
    std::vector<JobId> page;
    for (const std::set<JobId>* set : groups.sets(signature, states, query.queue)) {
      out.total += set->size();
      std::size_t taken = 0;
      if (query.descending) {
        auto it = after ? set->lower_bound(*after) : set->end();
        while (it != set->begin() && taken++ <= query.limit) page.push_back(*--it);
      } else {
        auto it = after ? set->upper_bound(*after) : set->begin();
        for (; it != set->end() && taken++ <= query.limit; ++it) page.push_back(*it);
      }
    }
    if (query.descending) {
      std::sort(page.begin(), page.end(), std::greater<JobId>());
    } else {
      std::sort(page.begin(), page.end());
    }
    more = page.size() > query.limit;
    if (more) page.resize(query.limit);
    for (JobId id : page)
      if (const Job* job = state.find(id)) out.jobs.push_back(job);
  } else {
    std::vector<JobId> ids = groups.ids(signature, states, query.queue);
    if (query.descending) std::reverse(ids.begin(), ids.end());
    for (JobId id : ids) {
      const Job* job = state.find(id);
      if (job == nullptr || (!query.queue.empty() && job->queue != query.queue) ||
          !filter.matches(*job))
        continue;
      ++out.total;
      if (after && (query.descending ? job->id >= *after : job->id <= *after)) continue;
      if (out.jobs.size() < query.limit) {
        out.jobs.push_back(job);
      } else {
        more = true;
      }
    }
  }
  if (more && !out.jobs.empty()) {
    out.cursor = encode_query_cursor(
        QueryCursor{SortColumn::id, query.descending, 0, out.jobs.back()->id, std::string()});
  }
  return out;
}

std::vector<JobId> ids_by_signature(const State& state, const ListQuery& query,
                                    const std::string& signature, std::string& cursor) {
  ListQuery scan = walk_of(query);
  scan.descending = false;
  scan.cursor = cursor;
  const ListPage page = state.list(scan);
  std::vector<JobId> ids;
  for (const Job* job : page.jobs) {
    if (error_signature(job->last_error) == signature) ids.push_back(job->id);
  }
  cursor = page.cursor;
  return ids;
}

}  // namespace desaster::web
