// Running desasterctl's worker assignment commands and the assignment
// parts of `pool list` and `job`.
#pragma once

#include <string>

#include "transport/client/client.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

// Returns the process exit status.
int run_assign_command(Client& client, const CtlArgs& args);
// For `pool list`: each pool's queues, weights and paused state, and the
// draining nodes. Prints nothing (and returns false) when the node cannot say.
bool print_assignments(Client& client);
// For `job`: why a queued pinned job has not started; empty when it is not
// pinned or not queued.
std::string pin_wait_reason(Client& client, const Job& job);

}  // namespace desaster
