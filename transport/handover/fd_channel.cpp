// SCM_RIGHTS messages over a SOCK_SEQPACKET socketpair (see fd_channel.hpp).
#include "transport/handover/fd_channel.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace desaster::handover {

namespace {

Status os_error(const std::string& what, int error) {
  return Status::error(ErrorCode::io_error, what + ": " + std::strerror(error));
}

}  // namespace

OwnedFd::~OwnedFd() {
  reset();
}

OwnedFd& OwnedFd::operator=(OwnedFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

void OwnedFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<std::pair<OwnedFd, OwnedFd>> make_channel() {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) {
    return os_error("cannot make the upgrade's socketpair", errno);
  }
  return std::pair<OwnedFd, OwnedFd>(OwnedFd(ends[0]), OwnedFd(ends[1]));
}

Status send_message(int channel, std::string_view text, const std::vector<int>& fds) {
  if (text.empty() || text.size() > kMaxMessageBytes || fds.size() > kMaxFds) {
    return Status::error(ErrorCode::bad_request, "upgrade message of " +
                                                     std::to_string(text.size()) + " bytes and " +
                                                     std::to_string(fds.size()) + " fds refused");
  }
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    if (::sendmsg(channel, &msg, MSG_NOSIGNAL) >= 0) return Status::success();
    if (errno != EINTR) return os_error("cannot send on the upgrade's socket", errno);
  }
}

Result<Message> receive_ready(int channel) {
  char buffer[kMaxMessageBytes + 1];
  iovec iov{buffer, sizeof buffer};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t got;
  do {
    got = ::recvmsg(channel, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Message{};
    return os_error("cannot read the upgrade's socket", errno);
  }
  Message message;
  // Take every fd first, so that none leaks whatever is wrong below.
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
      message.fds.emplace_back(fd);
    }
  }
  if (got == 0) {
    return Status::error(ErrorCode::unavailable, "the other process closed the upgrade's socket");
  }
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
      static_cast<std::size_t>(got) > kMaxMessageBytes) {
    return Status::error(ErrorCode::bad_request, "an oversized upgrade message was dropped");
  }
  message.text.assign(buffer, static_cast<std::size_t>(got));
  return message;
}

Result<Message> receive_message(int channel, int timeout_ms) {
  pollfd pfd{channel, POLLIN, 0};
  for (;;) {
    const int ready = ::poll(&pfd, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return os_error("cannot wait on the upgrade's socket", errno);
    if (ready == 0) {
      return Status::error(ErrorCode::unavailable, "no word on the upgrade's socket within " +
                                                       std::to_string(timeout_ms) + " ms");
    }
    Result<Message> message = receive_ready(channel);
    if (!message.ok() || !message->text.empty() || !message->fds.empty()) return message;
  }
}

Result<OwnedFd> tcp_listener(const std::string& address, std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    return Status::error(ErrorCode::bad_request, "not an IPv4 address: " + address);
  }
  OwnedFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return os_error("cannot make a TCP socket", errno);
  const int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int error = errno;
    if (error == EADDRINUSE) {
      return Status::error(ErrorCode::unavailable,
                           "address in use: " + address + ":" + std::to_string(port));
    }
    return os_error("cannot bind " + address + ":" + std::to_string(port), error);
  }
  // ZeroMQ's own listeners use the same backlog (ZMQ_BACKLOG's default).
  if (::listen(fd.get(), 100) != 0) return os_error("cannot listen", errno);
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

}  // namespace desaster::handover
