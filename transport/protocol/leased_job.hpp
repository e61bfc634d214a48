// A slim lease (the "leases" push, replies.hpp) as the job a worker runs:
// shared by the C++ Worker and the node's own shell and Ruby pools.
#pragma once

#include <cstdint>

#include "core/model/job.hpp"
#include "transport/protocol/replies.hpp"

namespace desaster::protocol {

// Running, its attempt and lease term set; the fields a slim lease leaves
// out stay empty.
Job leased_job(SlimLease slim, std::uint64_t term);

}  // namespace desaster::protocol
