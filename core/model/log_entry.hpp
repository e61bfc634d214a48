// One entry of the replicated op log: the Raft log and the journal are the
// same thing. The op itself travels as encoded bytes so the journal and the
// consensus layer never depend on the op list.
#pragma once

#include <cstdint>
#include <string>

#include "core/model/job.hpp"

namespace desaster {

// What an entry carries. Ops are the scheduler's; a config change is Raft's
// own membership change (core/cluster/conf_change.hpp), applied by Raft when
// committed and never shown to the state machine.
enum class EntryKind : std::uint8_t {
  op = 0,
  config_change = 1,
};
inline constexpr std::uint32_t kEntryKindCount = 2;

struct LogEntry {
  std::uint64_t term = 0;
  std::uint64_t index = 0;  // 1-based, contiguous
  TimeMs timestamp = 0;     // the master's clock when it proposed the op
  std::string op;           // encode_op() bytes, or an encoded ConfChange
  EntryKind kind = EntryKind::op;
};

}  // namespace desaster
