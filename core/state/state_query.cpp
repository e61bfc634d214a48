// State::list(): one page of a job query. The query picks its sources from
// the per-(queue, state) indexes of query_index.hpp (only the queues, states
// and class it filters on), walks them merged in its sort order from the
// cursor on, and checks the remaining filters job by job. Two bounds keep a
// query cheap whatever the data: a page stops after kScanBudget jobs that do
// not match (its cursor then says where to go on), and a count that needs a
// look at each job samples at most kCountBudget of them and extrapolates.
#include <algorithm>
#include <compare>

#include "core/state/job_filter.hpp"
#include "core/state/list_query.hpp"
#include "core/state/state_impl.hpp"

namespace desaster {

using namespace state_detail;

namespace {

constexpr std::size_t kScanBudget = 30'000;
constexpr std::size_t kCountBudget = 20'000;

struct SortKey {
  std::string_view text;
  std::int64_t number = 0;
  JobId id = 0;
  auto operator<=>(const SortKey&) const = default;
};

// One index set walked in the query's direction. Entries either carry the
// sort value themselves (numeric columns) or share the source's base value
// (queue name, class name, state) and are ordered by id within it.
class Source {
 public:
  Source(const QuerySet& set, std::string_view base_text, std::int64_t base_number, bool entry_key,
         bool descending)
      : set_(&set),
        base_text_(base_text),
        base_number_(base_number),
        entry_key_(entry_key),
        descending_(descending) {}

  // Positions at the first entry after `after` in walk order (the first of
  // all without one).
  void seek(const std::optional<SortKey>& after) {
    if (!after) {
      it_ = descending_ ? set_->end() : set_->begin();
      return;
    }
    if (entry_key_) {
      QueryEntry probe{after->number, after->id, nullptr};
      it_ = descending_ ? set_->lower_bound(probe) : set_->upper_bound(probe);
      return;
    }
    auto base = std::tie(base_text_, base_number_) <=> std::tie(after->text, after->number);
    QueryEntry probe{0, after->id, nullptr};
    if (base < 0) {
      it_ = set_->end();  // ascending: all passed; descending: all still to come
    } else if (base > 0) {
      it_ = set_->begin();  // ascending: all to come; descending: all passed
    } else {
      it_ = descending_ ? set_->lower_bound(probe) : set_->upper_bound(probe);
    }
  }
  bool done() const { return descending_ ? it_ == set_->begin() : it_ == set_->end(); }
  const QueryEntry& entry() const { return descending_ ? *std::prev(it_) : *it_; }
  SortKey key() const {
    const QueryEntry& e = entry();
    return entry_key_ ? SortKey{{}, e.key, e.id} : SortKey{base_text_, base_number_, e.id};
  }
  void next() {
    if (descending_) {
      --it_;
    } else {
      ++it_;
    }
  }

 private:
  const QuerySet* set_;
  std::string_view base_text_;
  std::int64_t base_number_;
  bool entry_key_;
  bool descending_;
  QuerySet::const_iterator it_;  // ascending: the current entry; descending: one past it
};

// The (queue, state) indexes a query reads.
std::vector<std::pair<const std::string*, std::pair<JobState, const QueryIndex*>>> selected(
    const StateData& data, const ListQuery& query) {
  std::vector<bool> wanted(kJobStates, !query.state && query.states.empty());
  if (query.state) wanted[static_cast<std::size_t>(*query.state)] = true;
  for (JobState s : query.states) wanted[static_cast<std::size_t>(s)] = true;
  std::vector<std::pair<const std::string*, std::pair<JobState, const QueryIndex*>>> out;
  auto add = [&](const std::string& name, const QueueEntry& q) {
    for (std::size_t s = 0; s < kJobStates; ++s)
      if (wanted[s]) out.push_back({&name, {static_cast<JobState>(s), &q.query[s]}});
  };
  if (!query.queue.empty()) {
    auto it = data.queues.find(query.queue);
    if (it != data.queues.end()) add(it->first, it->second);
  } else {
    for (const auto& [name, q] : data.queues) add(name, q);
  }
  return out;
}

// Calls visit(class name, set) for the class sets of one index that the
// query's class filter lets through.
template <typename Visit>
void for_each_class_set(const QueryIndex& index, const ListQuery& query, Visit&& visit) {
  if (!query.job_class.empty()) {
    auto it = index.by_class.find(query.job_class);
    if (it != index.by_class.end()) visit(it->first, it->second);
    return;
  }
  for (const auto& [name, set] : index.by_class) visit(name, set);
}

// [low, high) of the sort column that the filters allow, for numeric columns.
std::pair<std::int64_t, std::int64_t> sort_range(const ListQuery& q) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  switch (q.sort) {
    case SortColumn::created_at:
      return {q.created.from, q.created.to};
    case SortColumn::started_at:
      return {q.started.from, q.started.to};
    case SortColumn::finished_at:
      return {q.finished.from, q.finished.to};
    case SortColumn::run_at:
      return {q.run_at.from, q.run_at.to};
    case SortColumn::attempts:
      return {q.attempts_min, std::int64_t{q.attempts_max} + 1};
    case SortColumn::id:
    case SortColumn::queue:
    case SortColumn::job_class:
    case SortColumn::state:
    case SortColumn::priority:
      break;
  }
  return {kMin, kMax};
}

// Where the walk starts: after the cursor, and no earlier than the range.
std::optional<SortKey> start_after(const ListQuery& q, const std::optional<QueryCursor>& cursor,
                                   std::pair<std::int64_t, std::int64_t> range) {
  std::optional<SortKey> after;
  if (cursor) {
    after = SortKey{cursor->text, cursor->number, cursor->id};
  } else if (q.sort == SortColumn::id && !q.descending && q.after != 0) {
    after = SortKey{{}, 0, q.after};
  }
  if (!q.descending && range.first != std::numeric_limits<std::int64_t>::min()) {
    SortKey bound{{}, range.first - 1, std::numeric_limits<JobId>::max()};
    if (!after || *after < bound) after = bound;
  }
  if (q.descending && range.second != std::numeric_limits<std::int64_t>::max()) {
    SortKey bound{{}, range.second, 0};
    if (!after || bound < *after) after = bound;
  }
  return after;
}

}  // namespace

ListPage State::list(const ListQuery& query) const {
  const StateData& data = *impl_;
  std::optional<QueryCursor> cursor;
  if (!query.cursor.empty()) {
    Result<QueryCursor> decoded = decode_query_cursor(query.cursor);
    if (decoded.ok()) cursor = std::move(decoded.value());  // callers check first
  }
  const JobFilter filter(query);
  const auto indexes = selected(data, query);
  const int slot = numeric_slot(query.sort);
  const auto range = sort_range(query);

  std::vector<Source> sources;
  std::uint64_t candidates = 0;
  for (const auto& [queue_binding, state_index] : indexes) {
    // Plain copies: clang before 16 cannot capture structured bindings.
    const auto queue = queue_binding;
    const auto state = state_index.first;
    const auto& index = state_index.second;
    for_each_class_set(*index, query, [&](const std::string& job_class, const QuerySet& set) {
      candidates += set.size();
      if (slot >= 0) return;
      switch (query.sort) {
        case SortColumn::queue:
          sources.emplace_back(set, *queue, 0, false, query.descending);
          break;
        case SortColumn::job_class:
          sources.emplace_back(set, job_class, 0, false, query.descending);
          break;
        case SortColumn::state:
          sources.emplace_back(set, std::string_view{}, static_cast<std::int64_t>(state), false,
                               query.descending);
          break;
        default:
          sources.emplace_back(set, std::string_view{}, 0, false, query.descending);
          break;
      }
    });
    if (slot >= 0) {
      sources.emplace_back(index->numeric[static_cast<std::size_t>(slot)], std::string_view{}, 0,
                           true, query.descending);
    }
  }

  const std::optional<SortKey> after = start_after(query, cursor, range);
  std::vector<Source*> heap;
  for (Source& s : sources) {
    s.seek(after);
    if (!s.done()) heap.push_back(&s);
  }
  // std heaps keep the greatest on top: "greater" puts the next in walk order there.
  auto later = [descending = query.descending](const Source* a, const Source* b) {
    return descending ? a->key() < b->key() : b->key() < a->key();
  };
  std::make_heap(heap.begin(), heap.end(), later);

  ListPage page;
  std::optional<SortKey> last;  // the last entry examined
  std::size_t skipped = 0;
  bool more = false;
  bool exhausted = true;
  while (!heap.empty()) {
    Source* top = heap.front();
    const SortKey key = top->key();
    if (slot >= 0 && (query.descending ? key.number < range.first : key.number >= range.second))
      break;  // past the range: nothing further matches
    const Job& job = *top->entry().job;
    if (filter.matches(job)) {
      if (page.jobs.size() == query.limit) {
        more = true;
        exhausted = false;
        break;
      }
      page.jobs.push_back(&job);
    } else if (++skipped > kScanBudget) {
      // Stop here and let the cursor resume at this entry, which did not match.
      last = key;
      more = true;
      exhausted = false;
      break;
    }
    last = key;
    std::pop_heap(heap.begin(), heap.end(), later);
    top->next();
    if (top->done()) {
      heap.pop_back();
    } else {
      std::push_heap(heap.begin(), heap.end(), later);
    }
  }
  if (more && last) {
    page.cursor = encode_query_cursor(
        QueryCursor{query.sort, query.descending, last->number, last->id, std::string(last->text)});
    if (query.sort == SortColumn::id && !query.descending) page.next = last->id;
  }

  // The total: from the index sizes when they answer it, from the page when
  // the walk saw everything from the start, else by a bounded count.
  if (!filter.needs_scan()) {
    page.total = candidates;
  } else if (exhausted && !cursor && !(query.sort == SortColumn::id && query.after != 0)) {
    page.total = page.jobs.size();
  } else {
    std::uint64_t examined = 0;
    std::uint64_t matched = 0;
    const double share =
        candidates <= kCountBudget ? 1.0 : static_cast<double>(kCountBudget) / candidates;
    for (const auto& [queue, state_index] : indexes) {
      for_each_class_set(*state_index.second, query, [&](const std::string&, const QuerySet& set) {
        // The same share of every set, so no queue, state or class dominates the sample.
        auto n = static_cast<std::uint64_t>(static_cast<double>(set.size()) * share + 0.999);
        for (auto it = set.begin(); it != set.end() && n > 0; ++it, --n, ++examined)
          if (filter.matches(*it->job)) ++matched;
      });
    }
    if (examined >= candidates) {
      page.total = matched;
    } else {
      page.total = examined == 0 ? 0 : matched * candidates / examined;
      page.total_exact = false;
      // Never fewer than the rows in hand.
      page.total = std::max<std::uint64_t>(page.total, page.jobs.size());
    }
  }
  return page;
}

}  // namespace desaster
