// The kernel picks P (bind to port 0); P+1 and P+2 are then tried. A port can
// still be taken between this check and the server's bind: the script then
// sees the server fail to start and says so.
#include "free_port.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <thread>

#include "measure.hpp"

namespace bench {
namespace {

// Binds a TCP socket to 127.0.0.1:port (0: any); returns the port bound, or
// 0 if it is taken. The socket is closed again.
int try_bind(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int bound = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    bound = ntohs(addr.sin_port);
  close(fd);
  return bound;
}

}  // namespace

int print_free_port() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    int port = try_bind(0);
    if (port > 0 && port < 65533 && try_bind(port + 1) && try_bind(port + 2)) {
      std::printf("%d\n", port);
      return 0;
    }
  }
  std::fprintf(stderr, "compare_bench: no three free consecutive loopback ports\n");
  return 1;
}

int wait_for_port(int port, double seconds) {
  auto start = Clock::now();
  for (;;) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool up = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (fd >= 0) close(fd);
    if (up) return 0;
    if (past(start, seconds)) {
      std::fprintf(stderr, "compare_bench: nothing listens on port %d after %.0f s\n", port,
                   seconds);
      return 1;
    }
    // Polled: a server started by a shell script has no readiness event.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace bench
