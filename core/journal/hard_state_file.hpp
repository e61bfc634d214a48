// The hard state file: DATA_DIR/HARD_STATE, what a Raft voter must never
// forget across a crash -- its current term and whom it voted for in it.
// Forgetting either could let it vote twice in one term and elect two
// leaders.
//
//   file = "DSTRHARD" | u32 version | u64 term | u16 vote length | vote
//          | u32 CRC-32C   (little-endian; the CRC covers version to vote)
//
// It is replaced atomically (tmp, fsync, rename, fsync dir), so a crash
// leaves the old state or the new one. A missing file is a node that never
// voted; a damaged one refuses the start, as guessing could vote twice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/model/status.hpp"

namespace desaster {

struct HardState {
  std::uint64_t term = 0;
  std::string vote;  // the node voted for in term, empty for none

  bool operator==(const HardState&) const = default;
};

inline constexpr std::uint32_t kHardStateFormatVersion = 1;
inline constexpr std::size_t kMaxVoteBytes = 64;
inline constexpr const char* kHardStateFileName = "HARD_STATE";

std::string encode_hard_state_file(const HardState& state);
// corrupt, saying what is wrong, for anything but an intact file.
Result<HardState> decode_hard_state_file(std::string_view bytes);

Status write_hard_state_file(const std::string& data_dir, const HardState& state);
// nullopt when the file does not exist.
Result<std::optional<HardState>> read_hard_state_file(const std::string& data_dir);

}  // namespace desaster
