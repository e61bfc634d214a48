// desasterctl `jobs` and `failed` (listed or --group-by): one query request
// and its output, a table by default or JSON.
#pragma once

#include "transport/client/client.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

// Returns the process exit status.
int run_query_command(Client& client, const CtlArgs& args);

}  // namespace desaster
