// desasterctl's query flags: `jobs` and `failed` (with --group-by), parsed
// into CtlArgs::list and CtlArgs::group_by.
#pragma once

#include <string>
#include <vector>

#include "core/model/status.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

// args[pos...] are the flags after the command name (out.command).
// Relative times ("10m": ten minutes before now_ms) are resolved against now_ms.
Status parse_query_args(const std::vector<std::string>& args, std::size_t pos, CtlArgs& out,
                        TimeMs now_ms);
// A time flag's value: ISO-8601 UTC, Unix seconds, or a duration ago ("10m").
Result<TimeMs> parse_query_time(const std::string& text, TimeMs now_ms);
std::string ctl_query_help_text();

}  // namespace desaster
