// The old process of a hot upgrade, once the new one is ready: the HTTP
// requests and metrics scrapes it accepted before it stopped accepting are
// answered here before it exits (the new process accepts on the same
// listening sockets meanwhile, so no connection is refused or dropped).
//
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <functional>

#include <uv.h>

namespace desaster {

// Calls done(true) once quiet() holds (checked now, then every 20 ms), or
// done(false) after bound_ms. Owns a timer that closes itself after done.
void wait_until_quiet(uv_loop_t* loop, std::function<bool()> quiet, std::uint64_t bound_ms,
                      std::function<void(bool quiet)> done);

}  // namespace desaster
