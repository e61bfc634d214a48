// desasterctl's parsing of the monitoring and blacklist commands:
//   blacklist list [QUEUE] [--search S] [--limit N]
//   blacklist clear [QUEUE [IDENTITY]]
//   blacklist window QUEUE DURATION
//   resources [--since 10m] [--series seconds|minutes|none]
#pragma once

#include <string>
#include <vector>

#include "core/model/status.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

// args[pos...] are the command's own arguments.
Status parse_blacklist_args(const std::vector<std::string>& args, std::size_t pos, CtlArgs& out);
Status parse_resources_args(const std::vector<std::string>& args, std::size_t pos, CtlArgs& out);

}  // namespace desaster
