// A plain HTTP/1.1 GET on a fresh loopback connection, read to EOF: what a
// test needs to tell a refused connection, a lost request (no status line)
// and an answer apart.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace desaster::test {

struct HttpAnswer {
  bool refused = false;  // connect() failed
  std::string text;      // everything the server sent before closing
  int status = 0;        // from the status line; 0: none (the request was lost)
};

// One request on a fresh connection (Connection: close), read to EOF.
inline HttpAnswer http_get(std::uint16_t port, const std::string& path) {
  HttpAnswer a;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    a.refused = true;
    a.text = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return a;
  }
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) a.text.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (a.text.rfind("HTTP/1.1 ", 0) == 0 && a.text.size() >= 12)
    a.status = std::atoi(a.text.substr(9, 3).c_str());
  return a;
}

}  // namespace desaster::test
