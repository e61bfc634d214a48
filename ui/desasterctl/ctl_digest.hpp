// `desasterctl digest`: the node's committed State at its applied index as
// one 64-bit hash, so an operator (or the nemesis checker) can tell whether
// nodes that applied the same index hold the same state. Read through the
// state feed's snapshot, re-encoded here, so every node is hashed by the
// same code.
#pragma once

#include <cstdint>
#include <string>

#include "core/state/state.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

struct StateDigest {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::uint64_t jobs = 0;
  std::uint64_t digest = 0;  // FNV-1a 64 of the State's snapshot encoding
};

StateDigest digest_of(const State& state, std::uint64_t index, std::uint64_t term);
// Human: "index I term T jobs N digest HEX"; JSON: one object.
std::string format_digest(const StateDigest& d, bool json);

int run_digest(const CtlArgs& args);

}  // namespace desaster
