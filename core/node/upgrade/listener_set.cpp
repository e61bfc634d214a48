// Listeners kept for a hot upgrade (see listener_set.hpp).
#include "core/node/upgrade/listener_set.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace desaster {

ListenerSet::ListenerSet(std::map<std::string, handover::OwnedFd> inherited)
    : inherited_(std::move(inherited)) {}

Result<int> ListenerSet::for_zmq(const std::string& name, const std::string& address,
                                 std::uint16_t port) {
  in_addr parsed{};
  if (::inet_pton(AF_INET, address.c_str(), &parsed) != 1) {
    unowned_.push_back(name);
    return -1;
  }
  return keep(name, address, port);
}

Result<int> ListenerSet::for_uv(const std::string& name, const std::string& address,
                                std::uint16_t port) {
  return keep(name, address, port);
}

Result<int> ListenerSet::keep(const std::string& name, const std::string& address,
                              std::uint16_t port) {
  handover::OwnedFd fd;
  if (auto it = inherited_.find(name);
      it != inherited_.end() && handover::bound_port(it->second.get()) == port) {
    fd = std::move(it->second);
    inherited_.erase(it);
  } else {
    Result<handover::OwnedFd> made = handover::tcp_listener(address, port);
    if (!made.ok()) return made.status();
    fd = std::move(*made);
  }
  const int copy = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (copy < 0) {
    return Status::error(ErrorCode::io_error,
                         "cannot dup the " + name + " listener: " + std::strerror(errno));
  }
  owned_[name] = std::move(fd);
  return copy;
}

int ListenerSet::dup_for_zmq(const std::string& name) const {
  auto it = owned_.find(name);
  return it == owned_.end() ? -1 : ::fcntl(it->second.get(), F_DUPFD_CLOEXEC, 3);
}

std::vector<std::pair<std::string, int>> ListenerSet::all() const {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& [name, fd] : owned_) out.emplace_back(name, fd.get());
  return out;
}

}  // namespace desaster
