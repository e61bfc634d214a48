// Notices that this process did not run for a while: SIGSTOP, a VM or
// container freeze, a loop blocked far longer than any callback should take.
// It is fed the clock from a callback that should run every `period`; a gap
// well beyond that is a stall, and whatever fell silent meanwhile (workers'
// heartbeats, say) was not heard because this process was not listening,
// not because the other side was gone.
//
// Pure: the caller passes the time in.
#pragma once

#include "core/model/job.hpp"

namespace desaster {

class StallWatch {
 public:
  // A gap longer than period + tolerance is a stall.
  StallWatch(TimeMs period, TimeMs tolerance) : period_(period), tolerance_(tolerance) {}

  // How long beyond its period the process was away since the last call:
  // 0 when the call came on time (and on the first call).
  TimeMs observe(TimeMs now) {
    const TimeMs last = last_;
    last_ = now;
    if (last == 0 || now - last <= period_ + tolerance_) return 0;
    return now - last - period_;
  }

 private:
  TimeMs period_;
  TimeMs tolerance_;
  TimeMs last_ = 0;
};

}  // namespace desaster
