// desasterctl force-recovery (ctl_recovery.cpp).
#pragma once

#include "transport/client/client.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

// Prints what the node did (JSON with --json); the exit status.
int run_force_recovery(Client& client, const CtlArgs& args);

}  // namespace desaster
