// desasterctl transfer-leadership [NODE]: the node asked (it must lead)
// hands leadership to NODE, or to its most up-to-date voter, and answers
// once it no longer leads (exit 0), or says why not (exit 1).
#pragma once

#include "transport/client/client.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

int run_transfer_leadership(Client& client, const CtlArgs& args);

}  // namespace desaster
