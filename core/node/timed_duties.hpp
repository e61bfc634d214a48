// The master's decisions that come from the clock rather than from a
// request: scheduled and failed jobs whose run_at has come are promoted,
// leases past their expiry count as timed-out attempts, succeeded jobs past
// retention are purged. Each decision is an op; while one of a kind is in
// flight no second one is proposed, so the same job is never decided twice.
//
// Threading: loop thread only.
#pragma once

#include <optional>

#include "core/node/proposer.hpp"
#include "core/state/state.hpp"

namespace desaster {

class TimedDuties {
 public:
  TimedDuties(const State& state, Proposer& proposer) : state_(state), proposer_(proposer) {}

  // Proposes what is due at now.
  void tick(TimeMs now);
  // When tick() next has something to do, called right after tick(now);
  // none while idle.
  std::optional<TimeMs> next_deadline(TimeMs now) const;

 private:
  const State& state_;
  Proposer& proposer_;
  bool promote_in_flight_ = false;
  bool expire_in_flight_ = false;
  bool purge_in_flight_ = false;
  TimeMs last_purge_ = 0;
};

}  // namespace desaster
