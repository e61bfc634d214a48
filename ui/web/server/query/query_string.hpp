// The query string of an HTTP request ("a=1&b=x%20y") decoded into
// name/value pairs. Hostile input: percent escapes must be complete, the
// result must be valid UTF-8 without control bytes, and there are bounds on
// the number of parameters and their sizes. Pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model/status.hpp"

namespace desaster::web {

inline constexpr std::size_t kMaxQueryParams = 64;
inline constexpr std::size_t kMaxQueryValueBytes = 4096;

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// '+' is a space; "%41" is 'A'. Errors name the parameter ("search: ...").
Result<QueryParams> parse_query_string(std::string_view query);
// Percent-decoding of one component (also used for path segments: then
// plus_is_space is false).
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);
// Valid UTF-8 and no C0 control bytes or DEL (tab excepted).
bool is_clean_utf8(std::string_view text);

}  // namespace desaster::web
