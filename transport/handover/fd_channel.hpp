// The hot upgrade's channel between the old and the new node process: a
// SOCK_SEQPACKET socketpair (one message per send, boundaries kept) whose
// messages are short text with file descriptors attached by SCM_RIGHTS.
// Only the two processes of one upgrade share it, but a received message is
// still checked: size, fd count, and the fds are closed if not wanted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/model/status.hpp"

namespace desaster::handover {

// The most a message's text and its fds may hold.
inline constexpr std::size_t kMaxMessageBytes = 1024;
inline constexpr std::size_t kMaxFds = 16;

// An owned fd, closed on destruction.
class OwnedFd {
 public:
  OwnedFd() = default;
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd();
  OwnedFd(OwnedFd&& other) noexcept : fd_(other.release()) {}
  OwnedFd& operator=(OwnedFd&& other) noexcept;
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset();

 private:
  int fd_ = -1;
};

struct Message {
  std::string text;
  std::vector<OwnedFd> fds;
};

// Both ends close-on-exec; the caller clears it on the end a child inherits.
Result<std::pair<OwnedFd, OwnedFd>> make_channel();
// Sends text (at most kMaxMessageBytes) with fds (at most kMaxFds) in one message.
Status send_message(int channel, std::string_view text, const std::vector<int>& fds = {});
// Waits up to timeout_ms (negative: forever) for one message. EOF (the peer
// closed or died) is an error (unavailable), as is a timeout.
// Received fds are close-on-exec.
Result<Message> receive_message(int channel, int timeout_ms);
// Receives one message if one is there now; empty text and no fds when none.
Result<Message> receive_ready(int channel);

// A TCP listening socket on address:port (IPv4), close-on-exec and
// non-blocking, as ZeroMQ's ZMQ_USE_FD takes it. EADDRINUSE shows as
// unavailable.
Result<OwnedFd> tcp_listener(const std::string& address, std::uint16_t port);
// The port a socket is bound to (0 if not a bound IPv4/IPv6 socket).
std::uint16_t bound_port(int fd);

}  // namespace desaster::handover
