// One entry of the replicated op log: the Raft log and the journal are the
// same thing. The op itself travels as encoded bytes so the journal and the
// consensus layer never depend on the op list.
#pragma once

#include <cstdint>
#include <string>

#include "core/model/job.hpp"

namespace desaster {

struct LogEntry {
  std::uint64_t term = 0;
  std::uint64_t index = 0;  // 1-based, contiguous
  TimeMs timestamp = 0;     // the master's clock when it proposed the op
  std::string op;           // encode_op() bytes
};

}  // namespace desaster
