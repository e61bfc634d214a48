// Workload 7 on desaster: no-op Ruby jobs per second through a Ruby pool
// (see desaster_ruby.cpp).
#pragma once

#include "measure.hpp"

namespace bench {

int run_desaster_ruby(const Args& args);

}  // namespace bench
