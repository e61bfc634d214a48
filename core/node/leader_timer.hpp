// A module that acts on the clock while this node leads (cron, and whatever
// comes next): the node ticks every one each turn it leads and sleeps no
// longer than the earliest next_deadline. Modules propose ops through the
// Proposer they were given; they never touch the node's internals.
//
// Threading: loop thread only.
#pragma once

#include <optional>

#include "core/model/job.hpp"

namespace desaster {

class LeaderTimer {
 public:
  virtual ~LeaderTimer() = default;
  // Proposes what is due at now.
  virtual void tick(TimeMs now) = 0;
  // When tick() next has something to do, asked right after tick(now); none
  // while idle.
  virtual std::optional<TimeMs> next_deadline(TimeMs now) const = 0;
};

}  // namespace desaster
