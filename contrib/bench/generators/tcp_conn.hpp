// A blocking TCP connection to a peer on loopback, with a read buffer: what
// the raw-protocol load generators (beanstalkd, Redis, gearman) speak through.
// Errors end the benchmark: fail() prints what went wrong and exits, since a
// half-measured run has nothing worth keeping.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bench {

[[noreturn]] void fail(const std::string& what);

class TcpConn {
 public:
  TcpConn(const std::string& host, int port);
  ~TcpConn();
  TcpConn(const TcpConn&) = delete;
  TcpConn& operator=(const TcpConn&) = delete;

  void write_all(std::string_view bytes);
  // One line without its "\r\n".
  std::string read_line();
  // Exactly n bytes.
  std::string read_exact(std::size_t n);
  // Waits up to timeout_ms for something to read; false on timeout.
  bool readable(int timeout_ms);

 private:
  void fill();

  int fd_ = -1;
  std::string buffer_;
  std::size_t start_ = 0;  // unread bytes are buffer_[start_, end)
};

}  // namespace bench
