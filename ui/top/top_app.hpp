// desaster-top's main loop: connects a StateFeed and a Client to a node,
// samples "nodes" and "resources" every --delay, feeds the view model,
// draws the frames, performs the confirmed actions, and moves to another
// node of the cluster when its node is lost.
#pragma once

#include "ui/top/top_args.hpp"

namespace desaster::top {

// Exit status: 0 after q (or a signal), 1 on failure, 3 when no node could
// be reached at start.
int run_top(const TopArgs& args);

}  // namespace desaster::top
