// The Raft core and the queue on top of it in a seeded, simulated cluster
// (tests/sim): thousands of seeds, every safety property checked after
// every step. A failing seed is printed with the command that replays it.
//
//   RAFT_SIM_SEED=n   run that one seed, printing its trace on failure
//   RAFT_SIM_SEEDS=n  run seeds 1..n instead of the default
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "tests/sim/raft_sim.hpp"

namespace desaster::raft::sim {
namespace {

// About 10 ms of CPU per seed in an optimised build; sanitizers cost ~10x.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kDefaultSeeds = 300;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr std::uint64_t kDefaultSeeds = 300;
#else
constexpr std::uint64_t kDefaultSeeds = 3000;
#endif
#else
constexpr std::uint64_t kDefaultSeeds = 3000;
#endif

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return std::strtoull(value, nullptr, 10);
}

std::string replay_command(std::uint64_t seed) {
  return "RAFT_SIM_SEED=" + std::to_string(seed) + " ./unit_tests \"[raft-sim]\"";
}

}  // namespace

TEST_CASE("a simulated cluster keeps raft's safety properties and loses no committed job",
          "[raft-sim]") {
  const std::uint64_t only = env_u64("RAFT_SIM_SEED", 0);
  const std::uint64_t first = only != 0 ? only : 1;
  const std::uint64_t last = only != 0 ? only : env_u64("RAFT_SIM_SEEDS", kDefaultSeeds);
  std::uint64_t failures = 0;
  std::uint64_t committed = 0, leaders = 0, crashes = 0, jobs = 0, leases = 0, snapshots = 0;
  const auto started = std::chrono::steady_clock::now();
  for (std::uint64_t seed = first; seed <= last; ++seed) {
    SimOptions options = options_for_seed(seed);
    options.trace = only != 0;
    SimResult result = run_simulation(options);
    committed += result.committed;
    leaders += result.leaders;
    crashes += result.crashes;
    jobs += result.jobs;
    leases += result.leases;
    snapshots += result.snapshots_sent;
    if (result.ok) continue;
    ++failures;
    if (only != 0) {
      for (const std::string& line : result.trace) std::cout << line << "\n";
    }
    FAIL_CHECK("seed " << seed << " (" << options.nodes << " nodes"
                       << (options.membership ? ", membership changes" : "")
                       << "): " << result.failure << "\n  replay: " << replay_command(seed));
    if (failures >= 5) break;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "raft-sim: seeds " << first << ".." << last << " in " << seconds
            << " s: " << committed << " entries committed, " << leaders << " leaders, " << crashes
            << " crashes, " << jobs << " jobs, " << leases << " leases, " << snapshots
            << " snapshots sent\n";
  CHECK(failures == 0);
  CHECK(committed > 0);
  CHECK(jobs > 0);
}

}  // namespace desaster::raft::sim
