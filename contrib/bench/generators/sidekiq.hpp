// Workload 7 on Sidekiq: no-op jobs per second (see sidekiq_peer.cpp).
#pragma once

#include "measure.hpp"

namespace bench {

int run_sidekiq_ruby(const Args& args);

}  // namespace bench
