#include "ui/web/server/search_page.hpp"

#include <algorithm>
#include <string_view>

#include "core/state/job_filter.hpp"
#include "core/state/list_query.hpp"
#include "core/state/query_index.hpp"

namespace desaster::web {

namespace {

// The key State::list() orders a query by (core/state/state_query.cpp):
// the queue or class name for those columns, the value of a numeric column
// or the state's position, then the id.
struct Row {
  std::string_view text;
  std::int64_t number = 0;
  JobId id = 0;
  const Job* job = nullptr;
  bool operator<(const Row& o) const {
    if (text != o.text) return text < o.text;
    if (number != o.number) return number < o.number;
    return id < o.id;
  }
};

Row row_of(const Job& job, SortColumn sort) {
  Row r{{}, 0, job.id, &job};
  switch (sort) {
    case SortColumn::id:
      break;
    case SortColumn::queue:
      r.text = job.queue;
      break;
    case SortColumn::job_class:
      r.text = job.job_class;
      break;
    case SortColumn::state:
      r.number = static_cast<std::int64_t>(job.state);
      break;
    default:
      r.number = state_detail::numeric_value(job, sort);
      break;
  }
  return r;
}

bool state_wanted(const ListQuery& q, JobState s) {
  if (!q.state && q.states.empty()) return true;
  if (q.state && *q.state == s) return true;
  return std::find(q.states.begin(), q.states.end(), s) != q.states.end();
}

}  // namespace

std::optional<ListPage> search_page(const State& state, const SearchIndex& index,
                                    const ListQuery& query) {
  if (query.search.size() < SearchIndex::kMinNeedle) return std::nullopt;
  std::optional<std::vector<JobId>> ids = index.candidates(query.search, kMaxSearchCandidates);
  if (!ids) return std::nullopt;

  std::string after_text;  // the cursor's text, which after points into
  std::optional<Row> after;
  if (!query.cursor.empty()) {
    Result<QueryCursor> c = decode_query_cursor(query.cursor);
    if (!c.ok()) return std::nullopt;  // State::list() ignores it the same way
    after_text = std::move(c->text);
    after = Row{after_text, c->number, c->id, nullptr};
  } else if (query.sort == SortColumn::id && !query.descending && query.after != 0) {
    after = Row{{}, 0, query.after, nullptr};
  }

  const state_detail::JobFilter filter(query);
  std::vector<Row> rows;
  std::uint64_t total = 0;
  for (JobId id : *ids) {
    const Job* job = state.find(id);
    if (job == nullptr) continue;
    if (!query.queue.empty() && job->queue != query.queue) continue;
    if (!state_wanted(query, job->state) || !filter.matches(*job)) continue;
    ++total;
    Row r = row_of(*job, query.sort);
    if (after && (query.descending ? !(r < *after) : !(*after < r))) continue;
    rows.push_back(r);
  }
  const auto walk_order = [desc = query.descending](const Row& a, const Row& b) {
    return desc ? b < a : a < b;
  };
  const std::size_t shown = std::min(rows.size(), query.limit);
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(shown), rows.end(),
                    walk_order);

  ListPage page;
  page.total = total;
  page.jobs.reserve(shown);
  for (std::size_t i = 0; i < shown; ++i) page.jobs.push_back(rows[i].job);
  if (rows.size() > shown && shown > 0) {
    const Row& last = rows[shown - 1];
    page.cursor = encode_query_cursor(
        QueryCursor{query.sort, query.descending, last.number, last.id, std::string(last.text)});
    if (query.sort == SortColumn::id && !query.descending) page.next = last.id;
  }
  return page;
}

}  // namespace desaster::web
