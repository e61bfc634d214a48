// The failed set's error groups as a filter: jobs whose error signature
// (core/state/job_groups.hpp) is exactly a group's key. The state's indexes
// know nothing of signatures, so this walks the query's jobs (failed and
// dead ones unless the query names states) in id order and computes each
// signature: linear in the failed set. The page's lists of a group come
// from the GroupIndex's ids instead; the actions still walk.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/state/state.hpp"
#include "ui/web/server/group_index.hpp"

namespace desaster::web {

// A page of query (sort id; its cursor, limit and direction) restricted to
// signature, with the exact total and the next page's cursor.
ListPage list_by_signature(const State& state, const ListQuery& query,
                           const std::string& signature);

// The same page from the GroupIndex's ids of signature (only those jobs are
// looked at); nullopt when the query asks a state the index does not keep.
std::optional<ListPage> list_by_signature(const State& state, const GroupIndex& groups,
                                          const ListQuery& query, const std::string& signature);

// The ids of a chunk of the walk: every job of query from query.cursor on
// whose signature matches, at most `examine` jobs looked at; cursor is
// where the next chunk starts (empty: done).
std::vector<JobId> ids_by_signature(const State& state, const ListQuery& query,
                                    const std::string& signature, std::string& cursor);

}  // namespace desaster::web
