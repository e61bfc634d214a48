// desasterctl's monitoring and blacklist commands: `stats` (top-like),
// `resources` and `blacklist`, human output by default, JSON with --json.
#pragma once

#include "transport/client/client.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

// Returns the process exit status.
int run_stats(Client& client, const CtlArgs& args);
int run_resources(Client& client, const CtlArgs& args);
int run_blacklist(Client& client, const CtlArgs& args);

}  // namespace desaster
