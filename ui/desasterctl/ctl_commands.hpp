// The commands of desasterctl, each one request (or a few) to the node and
// its output, human or JSON.
#pragma once

#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

// Returns the process exit status.
int run_ctl_command(const CtlArgs& args);

}  // namespace desaster
