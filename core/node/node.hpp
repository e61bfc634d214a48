// The composition root of a node: owns the loop, the journal, the state,
// the sockets and the workers, and wires them together. Nothing else knows
// about all of them.
//
// Start-up: lock and recover the data dir (snapshot + journal tail), start
// a new term with a LeaderStartOp (the jobs that were running when the node
// died run again), bind the client and dispatch ROUTERs, start the shell
// pool. Each loop turn (uv_prepare_t) proposes what the dispatcher and the
// timed duties decided and starts one group commit; one uv_timer_t wakes the
// loop at the state's next deadline. No polling: an idle node sleeps.
//
// Shutdown (SIGTERM/SIGINT): refuse new writes, grant no new leases, let
// running jobs finish for the grace period, hand back the rest as queued,
// flush the journal, close every handle, exit 0.
#pragma once

#include <memory>

#include "core/model/status.hpp"
#include "core/node/options.hpp"

namespace desaster {

class Node {
 public:
  explicit Node(NodeOptions options);
  ~Node();

  // Recovers and binds; an error says why the node cannot start.
  Status start();
  // Runs until shut down; returns the exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace desaster
