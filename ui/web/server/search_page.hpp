// A page of /api/jobs?search=... answered from the SearchIndex: the index's
// candidates are checked against the whole query (queue, states and every
// filter, the search text included, as State::list() checks them), sorted
// by the query's column and cut at its cursor and limit. The total is exact.
// Pages and cursors are the ones State::list() would give (same order, same
// cursor text), so a page may come from either and the next from the other.
#pragma once

#include <optional>

#include "core/state/state.hpp"
#include "ui/web/server/search_index.hpp"

namespace desaster::web {

// Candidates past this are not worth sorting: State::list()'s scan fills a
// page of so common a text quickly.
inline constexpr std::size_t kMaxSearchCandidates = 300'000;

// nullopt when the query has no search the index can narrow (none, shorter
// than a trigram, or too common); query must have passed check_list_query().
std::optional<ListPage> search_page(const State& state, const SearchIndex& index,
                                    const ListQuery& query);

}  // namespace desaster::web
