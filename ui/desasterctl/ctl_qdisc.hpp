// desasterctl's queueing-discipline commands and ETA display (ctl_qdisc.cpp).
#pragma once

#include <optional>
#include <string>

#include "transport/client/client.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

// qdisc show|set: prints the discipline (JSON with --json); the exit status.
int run_qdisc(Client& client, const CtlArgs& args);
// "starts in ~12s, done in ~40s" (or "starts now"), relative to now_ms.
std::string describe_eta(const protocol::JobEta& eta, TimeMs now_ms);
// This machine's clock in ms since the epoch (ETAs are the node's clock).
TimeMs wall_clock_ms();

}  // namespace desaster
