// desasterctl upgrade [--binary PATH]: a standalone node's hot upgrade,
// asked for and then watched until the new process serves (exit 0) or the
// old one rolled back (exit 1, saying why).
#pragma once

#include "transport/client/client.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

int run_upgrade(Client& client, const CtlArgs& args);

}  // namespace desaster
