// The old process's side of a hot upgrade (`desasterctl upgrade`, SIGUSR2):
//
//   handing off  a clustered leader hands leadership to another voter
//             first (hooks.hand_off), so writes wait for one transfer, not
//             for an election after it is gone; a transfer that fails
//             rolls back
//   draining  no new leases; the jobs running now finish here (they report
//             to this process, which still owns the journal)
//   starting  the new binary runs with the same argv and the upgrade's
//             socketpair (handover_child.hpp); it derives its keys and says hello
//   pausing   no request is read and nothing proposed; once every proposal
//             is committed and every reply sent, the journal is quiet
//   handing   this process's ZeroMQ sockets unbind (connections close, the
//             listening sockets stay open in the kernel: new connections
//             wait in their backlog), the data dir lock and the
//             listeners go over (SCM_RIGHTS); the
//             new process recovers from the journal, listens and says ready
//   handed    this process stops accepting HTTP and scrapes (those
//             listeners went over too, but both processes accepted on
//             them until now), answers what it accepted (quiet_wait.hpp),
//             closes what is left and exits
//
// Anything going wrong before "ready" (the binary cannot start, exits, says
// fail, or is not ready in time) rolls back: the new process is killed (and
// waited for, if it had the journal), and this one serves again.
//
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <uv.h>

#include "core/model/status.hpp"
#include "core/node/log.hpp"

namespace desaster {

struct UpgradeHooks {
  // Optional: calls done (once, maybe at once) when this node no longer
  // leads or never did; an error rolls back.
  std::function<void(std::function<void(const Status&)> done)> hand_off;
  std::function<void()> stop_leasing;
  std::function<std::size_t()> running;  // jobs that must end before the handover
  std::function<void()> pause;           // stop reading requests and proposing
  std::function<bool()> quiet;           // every proposal committed, every reply sent
  // Stops accepting: the ZeroMQ listeners (and their connections, replies
  // flushed) close, so that every connection, the new process's own
  // workers' included, reaches the new process.
  std::function<void()> release;
  // What the new process takes over: ("lock", fd) first, then the listeners.
  std::function<std::vector<std::pair<std::string, int>>()> fds;
  std::function<void(const std::string& why)> resume;  // rollback: serve again
  std::function<void()> retire;                        // handed over: close and exit
};

class Upgrader {
 public:
  // Outcome of one upgrade: ok with the new process's pid, or why it rolled back.
  using Done = std::function<void(const Status&, std::int64_t pid)>;

  Upgrader(uv_loop_t* loop, Logger& log, UpgradeHooks hooks, std::uint32_t timeout_ms);
  ~Upgrader();
  Upgrader(const Upgrader&) = delete;
  Upgrader& operator=(const Upgrader&) = delete;

  // Starts an upgrade to `binary` (empty: the executable this process was
  // started from). Refused while one is under way or for a path that is not
  // an executable file; else done is called once, later.
  Status begin(const std::string& binary, Done done);
  // Every loop turn: moves on when what a phase waits for has happened.
  void on_turn();
  bool active() const;
  // Requests are not read and nothing may be proposed.
  bool paused() const;
  void close(std::function<void()> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace desaster
