// Blocking loopback TCP with TCP_NODELAY: every generator writes whole
// requests (or whole pipelines) at once, so Nagle would only add delay.
#include "tcp_conn.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bench {

void fail(const std::string& what) {
  std::fprintf(stderr, "compare_bench: %s\n", what.c_str());
  std::exit(1);
}

TcpConn::TcpConn(const std::string& host, int port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) fail(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) fail("bad address " + host);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    fail("connect " + host + ":" + std::to_string(port) + ": " + std::strerror(errno));
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

TcpConn::~TcpConn() {
  if (fd_ >= 0) close(fd_);
}

void TcpConn::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(std::string("send: ") + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void TcpConn::fill() {
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > (1 << 16)) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  char chunk[1 << 16];
  ssize_t n;
  do n = recv(fd_, chunk, sizeof chunk, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) fail(std::string("recv: ") + std::strerror(errno));
  if (n == 0) fail("the server closed the connection");
  buffer_.append(chunk, static_cast<std::size_t>(n));
}

std::string TcpConn::read_line() {
  for (;;) {
    std::size_t at = buffer_.find("\r\n", start_);
    if (at != std::string::npos) {
      std::string line = buffer_.substr(start_, at - start_);
      start_ = at + 2;
      return line;
    }
    fill();
  }
}

std::string TcpConn::read_exact(std::size_t n) {
  while (buffer_.size() - start_ < n) fill();
  std::string bytes = buffer_.substr(start_, n);
  start_ += n;
  return bytes;
}

bool TcpConn::readable(int timeout_ms) {
  if (buffer_.size() > start_) return true;
  pollfd p{fd_, POLLIN, 0};
  return poll(&p, 1, timeout_ms) > 0;
}

}  // namespace bench
