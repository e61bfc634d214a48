// Which queues each worker pool serves, which pools are paused and which
// nodes drain: replicated state (PoolAttachOp, PoolDetachOp, PoolPauseOp,
// NodeDrainOp) that the lease planner reads for every worker that belongs
// to a pool, so a change takes effect at the next plan, with no restart.
//
// A pool is "shell" (the shell pool every node runs) or a declared Ruby
// pool. Its queue list on node N is what is attached to it cluster-wide
// (node "") plus what is attached on N (a node's weight wins). With nothing
// attached it keeps its default: every queue for the shell pool, the
// declared queues for a Ruby pool. Detaching the last queue brings the
// default back (pause the pool to stop it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model/pool_spec.hpp"

namespace desaster {

inline constexpr std::uint32_t kMaxQueueWeight = 1'000'000;

// (pool, node); node empty: every node.
using PoolPlace = std::pair<std::string, std::string>;

struct Assignments {
  // queue -> weight, per (pool, node); never holds an empty map.
  std::map<PoolPlace, std::map<std::string, std::uint32_t>> attached;
  std::set<PoolPlace> paused;
  std::set<std::string> draining;

  bool empty() const { return attached.empty() && paused.empty() && draining.empty(); }
  bool operator==(const Assignments&) const = default;

  // The queues pool serves on node, or none when nothing is attached there
  // (the caller then uses the pool's default).
  std::optional<std::vector<PoolQueue>> attached_queues(std::string_view pool,
                                                        std::string_view node) const;
  bool pool_paused(std::string_view pool, std::string_view node) const;
  bool node_draining(std::string_view node) const;
  // Forgets everything about a pool (it was removed).
  void forget_pool(const std::string& pool);
};

// Checks an attach; returns what is wrong, empty when valid.
std::string check_attachment(const std::string& queue, std::uint32_t weight);

}  // namespace desaster
