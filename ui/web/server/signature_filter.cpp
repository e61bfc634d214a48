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

// One page of a group in id order (the query's direction), after the
// query's cursor: the jobs that match are offered in that order; each
// counts, the first limit after the cursor are kept.
class GroupPage {
 public:
  explicit GroupPage(const ListQuery& query) : query_(query) {
    if (query.cursor.empty()) return;
    if (Result<QueryCursor> c = decode_query_cursor(query.cursor); c.ok()) after_ = c->id;
  }

  const std::optional<JobId>& after() const { return after_; }
  ListPage& page() { return out_; }
  void set_more() { more_ = true; }

  void offer(const Job* job) {
    ++out_.total;
    if (after_ && (query_.descending ? job->id >= *after_ : job->id <= *after_)) return;
    if (out_.jobs.size() < query_.limit) {
      out_.jobs.push_back(job);
    } else {
      more_ = true;
    }
  }

  ListPage finish() {
    if (more_ && !out_.jobs.empty()) {
      out_.cursor = encode_query_cursor(
          QueryCursor{SortColumn::id, query_.descending, 0, out_.jobs.back()->id, std::string()});
    }
    return std::move(out_);
  }

 private:
  const ListQuery& query_;
  std::optional<JobId> after_;
  ListPage out_;
  bool more_ = false;
};

}  // namespace

ListPage list_by_signature(const State& state, const ListQuery& query,
                           const std::string& signature) {
  GroupPage out(query);
  ListQuery scan = walk_of(query);
  scan.cursor.clear();
  for (;;) {
    const ListPage page = state.list(scan);
    for (const Job* job : page.jobs)
      if (error_signature(job->last_error) == signature) out.offer(job);
    if (page.cursor.empty()) break;
    scan.cursor = page.cursor;
  }
  return out.finish();
}

std::optional<ListPage> list_by_signature(const State& state, const GroupIndex& groups,
                                          const ListQuery& query, const std::string& signature) {
  std::vector<JobState> states = query.states;
  if (query.state) states.push_back(*query.state);
  if (!GroupIndex::tracks(states) || query.after != 0) return std::nullopt;
  GroupPage out(query);
  const std::optional<JobId>& after = out.after();
  // The rest of the query (class, search, ranges...) as list() checks it.
  const state_detail::JobFilter filter(query);
  if (query.job_class.empty() && !filter.needs_scan()) {
    // Every id of the group's sets matches: the total is their size, and
    // the page is the first limit + 1 ids after the cursor of each set,
    // merged (a few sets: one per queue and state).
    std::vector<JobId> page;
    for (const std::set<JobId>* set : groups.sets(signature, states, query.queue)) {
      out.page().total += set->size();
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
    if (page.size() > query.limit) {
      out.set_more();
      page.resize(query.limit);
    }
    for (JobId id : page)
      if (const Job* job = state.find(id)) out.page().jobs.push_back(job);
  } else {
    std::vector<JobId> ids = groups.ids(signature, states, query.queue);
    if (query.descending) std::reverse(ids.begin(), ids.end());
    for (JobId id : ids) {
      const Job* job = state.find(id);
      if (job != nullptr && (query.queue.empty() || job->queue == query.queue) &&
          filter.matches(*job))
        out.offer(job);
    }
  }
  return out.finish();
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
