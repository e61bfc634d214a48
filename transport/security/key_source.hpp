// Where a process's group key comes from: the -k option when given, else
// the DESASTER_KEY environment variable, else the built-in "default".
//
// The default key is public (it is in this source), so a node running with
// it keeps strangers out of nothing: anyone can derive its keys. It exists so
// that a single machine or a lab network works with no configuration.
#pragma once

#include <string>
#include <string_view>

namespace desaster {

inline constexpr std::string_view kDefaultGroupKey = "default";
inline constexpr const char* kGroupKeyEnvironment = "DESASTER_KEY";

// explicit_key: the command line's key, empty when none was given.
std::string resolve_group_key(std::string_view explicit_key);

}  // namespace desaster
