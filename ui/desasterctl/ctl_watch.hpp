// `desasterctl watch`: prints every op a node applies, one line each, from
// the node's state feed (StateFeed), until interrupted.
#pragma once

#include <string>
#include <vector>

#include "core/model/log_entry.hpp"
#include "core/state/op.hpp"
#include "core/state/state.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

// What one applied op touched: its jobs (from the apply's events) and the
// queues they are in (or the queue the op names).
struct WatchLine {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  TimeMs at = 0;
  std::string op;
  std::vector<JobId> jobs;
  std::vector<std::string> queues;
};

WatchLine describe_applied(const LogEntry& entry, const Op& op, const ApplyResult& result,
                           const State& state);
// Human: "INDEX  OP  queue Q  JOB (+N more)"; JSON: one object per line.
std::string format_watch_line(const WatchLine& line, bool json);

// Returns the process exit status (only on error: otherwise it runs until
// killed).
int run_watch(const CtlArgs& args);

}  // namespace desaster
