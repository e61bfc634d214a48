// A tiny seeded PRNG (SplitMix64): the same seed gives the same numbers on
// every platform and standard library, so a simulation replays exactly.
#pragma once

#include <cstdint>

namespace desaster::raft {

class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for n far below 2^64.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  // True with probability per_mille / 1000.
  bool chance(std::uint64_t per_mille) { return below(1000) < per_mille; }

 private:
  std::uint64_t state_;
};

}  // namespace desaster::raft
