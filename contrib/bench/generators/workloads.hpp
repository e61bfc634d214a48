// The workloads of issue 5, each written once against Peer. Each prints its
// figures with emit() and returns the process exit code.
#pragma once

#include "measure.hpp"

namespace bench {

int run_workload(const Args& args);

}  // namespace bench
