// A tiny HTTP/1.x responder on the node's libuv loop for Prometheus
// scrapes: one request per connection (GET or HEAD /metrics), answered with
// the exposition render() returns, then the connection closes. Everything
// else gets a short error status. Bounded: kMaxConnections at once, an 8 KiB
// request head, 10 s per connection.
//
// Owns its listener and connections; callbacks run on the loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "core/model/status.hpp"
#include "core/node/log.hpp"

namespace desaster::metrics {

class MetricsServer {
 public:
  static constexpr std::size_t kMaxConnections = 32;
  static constexpr std::uint64_t kConnectionTimeoutMs = 10'000;

  MetricsServer(uv_loop_t* loop, const Logger& log, std::function<std::string()> render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // fd: a listening socket to adopt (a hot upgrade's, core/node/upgrade/
  // listener_set.hpp), owned from here on; -1: bind address:port here.
  Status start(const std::string& address, std::uint16_t port, int fd = -1);
  // Stops accepting; open scrapes are still answered (the old process of a
  // hot upgrade: the new one accepts on the same socket).
  void stop_accepting();
  // No scrape open.
  bool quiet() const { return connections_.empty(); }
  // Closes the listener and every connection; done runs when all are closed.
  void close(std::function<void()> done);

 private:
  struct Connection;
  void on_connection();
  void on_read(Connection* c, ssize_t nread, const uv_buf_t* buf);
  void respond(Connection* c, std::string response);
  void close_connection(Connection* c);
  void on_connection_closed(Connection* c);
  void maybe_done();
  void close_listener();

  uv_loop_t* loop_;
  const Logger& log_;
  std::function<std::string()> render_;
  uv_tcp_t listener_{};
  bool listening_ = false;
  bool closing_ = false;
  bool listener_closed_ = false;
  std::set<Connection*> connections_;
  std::function<void()> done_;
};

}  // namespace desaster::metrics
