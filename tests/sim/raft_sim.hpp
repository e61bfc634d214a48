// A seeded, deterministic simulation of a desaster cluster: N Raft nodes
// over a network that delays, drops, duplicates, reorders and partitions,
// with crashes that lose what was not persisted, restarts and ticks. Each
// node applies its committed entries to a real State; the leader enqueues,
// leases (lease_planner against a fake worker) and completes jobs. The
// Checker runs after every step. The same seed replays exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace desaster::raft::sim {

struct SimOptions {
  std::uint64_t seed = 1;
  int nodes = 3;
  int steps = 800;          // faulty phase (10 ms each); a quiet phase follows to check convergence
  bool membership = false;  // the leader also adds, promotes and removes members
  bool trace = false;       // keep a line per event, for a replayed seed
};

// A seed's options: node count, membership changes and fault rates all
// derive from it, so a seed alone names a run.
SimOptions options_for_seed(std::uint64_t seed);

struct SimResult {
  bool ok = true;
  std::string failure;  // the first violated property, with the step
  std::vector<std::string> trace;
  // Figures, to see that a run did something.
  std::uint64_t committed = 0;
  std::uint64_t leaders = 0;
  std::uint64_t crashes = 0;
  std::uint64_t jobs = 0;
  std::uint64_t leases = 0;
  std::uint64_t snapshots_sent = 0;
};

SimResult run_simulation(const SimOptions& options);

}  // namespace desaster::raft::sim
