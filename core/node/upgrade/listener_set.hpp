// The node's TCP listeners, kept as fds of its own so that a hot upgrade can
// pass them on: each is bound here (or taken from the process that started
// this one) and handed to ZeroMQ as a dup through ZMQ_USE_FD, the original
// staying with the set for the next upgrade.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/model/status.hpp"
#include "transport/handover/fd_channel.hpp"

namespace desaster {

class ListenerSet {
 public:
  // inherited: listeners an older process passed, by name.
  explicit ListenerSet(std::map<std::string, handover::OwnedFd> inherited = {});

  // An fd for ZMQ_USE_FD (ZeroMQ owns and closes it), listening on
  // address:port: the inherited one of that name if its port matches, else
  // a new one. -1 (ZeroMQ binds by itself; this socket cannot be handed
  // over) for an address that is not numeric IPv4.
  Result<int> for_zmq(const std::string& name, const std::string& address, std::uint16_t port);
  // The same for a libuv listener (uv_tcp_open owns the fd; the HTTP front
  // end's "http"/"https", the metrics endpoint's "metrics"). The address
  // must be numeric IPv4 (bad_request otherwise); EADDRINUSE is unavailable.
  Result<int> for_uv(const std::string& name, const std::string& address, std::uint16_t port);
  // Another dup of a listener this set owns, for binding again after an
  // upgrade that rolled back; -1 if none.
  int dup_for_zmq(const std::string& name) const;
  // (name, fd) of every listener, to pass on.
  std::vector<std::pair<std::string, int>> all() const;
  // Names of sockets ZeroMQ bound by itself (they block an upgrade).
  const std::vector<std::string>& unowned() const { return unowned_; }

 private:
  // The listener of that name, inherited or new, kept; a dup of it returned.
  Result<int> keep(const std::string& name, const std::string& address, std::uint16_t port);
  std::map<std::string, handover::OwnedFd> inherited_;
  std::map<std::string, handover::OwnedFd> owned_;
  std::vector<std::string> unowned_;
};

}  // namespace desaster
