// desasterctl's cron commands (ctl_cron.cpp): add, list, show, pause, resume,
// remove, run. Parsing is pure (parse_cron_args); run_cron talks to the node.
#pragma once

#include <string>
#include <vector>

#include "core/model/status.hpp"
#include "transport/client/client.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

// words: what follows "cron".
Status parse_cron_args(const std::vector<std::string>& words, CtlArgs& out);
std::string cron_help_text();
int run_cron(Client& client, const CtlArgs& args);

}  // namespace desaster
