// A cluster member's identity: the 128-bit NODE_ID of its data dir (32 hex
// digits). Ordered, so sets and maps of members iterate the same way on
// every node and decisions that walk them stay deterministic.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace desaster::raft {

struct NodeId {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;

  // The all-zero id means "nobody" (no vote, no known leader).
  bool empty() const { return hi == 0 && lo == 0; }
  auto operator<=>(const NodeId&) const = default;

  std::string hex() const;  // 32 lowercase hex digits
  static std::optional<NodeId> from_hex(std::string_view text);
  static NodeId from_u64(std::uint64_t lo) { return NodeId{0, lo}; }  // tests and the sim
};

inline constexpr NodeId kNoNode{};

}  // namespace desaster::raft
