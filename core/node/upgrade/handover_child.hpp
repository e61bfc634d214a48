// The new process's side of a hot upgrade. The old process starts it with
// the same argv and DESASTER_UPGRADE_FD naming its end of the upgrade's
// socketpair (fd_channel.hpp). Messages, one per SOCK_SEQPACKET send:
//   new -> old  "hello"                      keys derived, ready to take over
//   old -> new  "take lock NAME..." + fds    the old one stopped writing its
//                                            journal and reading requests
//   new -> old  "ready PID" | "fail REASON"  recovered and listening, or not
// Between "take" and "ready" the journal is the new process's: the old one
// never writes it again, unless the new one fails (then the old one kills it
// and goes on: rollback).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/model/status.hpp"
#include "transport/handover/fd_channel.hpp"

namespace desaster {

inline constexpr const char* kUpgradeFdEnvironment = "DESASTER_UPGRADE_FD";

class HandoverChild {
 public:
  // The channel named by DESASTER_UPGRADE_FD (then unset, and the fd made
  // close-on-exec, so jobs do not inherit it); nullopt for a normal start.
  static std::optional<HandoverChild> from_environment();

  // Says hello and waits up to timeout_ms for the old process's fds.
  Status take_over(int timeout_ms);
  // The data dir lock's fd (to be adopted), after take_over.
  int release_lock() { return lock_.release(); }
  // The listeners by name, after take_over (moved out).
  std::map<std::string, handover::OwnedFd> take_listeners() { return std::move(listeners_); }
  // Tells the old process to go; closes the channel.
  void ready();
  // Tells the old process why this one cannot start; closes the channel.
  void fail(const std::string& why);

 private:
  explicit HandoverChild(int fd) : channel_(fd) {}
  handover::OwnedFd channel_;
  handover::OwnedFd lock_;
  std::map<std::string, handover::OwnedFd> listeners_;
};

}  // namespace desaster
