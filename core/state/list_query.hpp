// Cursors of State::list() and the check of a ListQuery before it runs.
//
// A cursor is the sort key and id of the last row a page covered, with the
// sort column and direction it belongs to, so the next page starts strictly
// after it: rows added or removed meanwhile neither shift nor repeat the
// rest. Clients treat it as opaque text; it reads
//   <sort>.<a|d>.<number>.<id: 16 hex digits>.<text: hex bytes>
// where number is the value of a numeric column (or the state's position)
// and text the queue or class name of those orders.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/job_query.hpp"
#include "core/model/status.hpp"
#include "core/state/state.hpp"

namespace desaster {

inline constexpr std::size_t kMaxCursorTextBytes = 1024;

struct QueryCursor {
  SortColumn sort = SortColumn::id;
  bool descending = false;
  std::int64_t number = 0;
  JobId id = 0;
  std::string text;
};

std::string encode_query_cursor(const QueryCursor& cursor);
// Errors say what was wrong: "cursor 'x' is malformed: ...".
Result<QueryCursor> decode_query_cursor(std::string_view text);

// Whether query can run: its cursor decodes and belongs to its sort and
// direction, attempts_min <= attempts_max, and every time range has from <= to.
Status check_list_query(const ListQuery& query);

}  // namespace desaster
