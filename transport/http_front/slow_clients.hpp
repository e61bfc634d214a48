// The front end's accepted connections, watched for clients too slow to
// send their request: 408 and the connection closes. h2o 2.2 only closes
// such a connection silently at its own req_timeout; this answers first.
//
// How it knows a request is half-sent without reaching into h2o: HTTP/1
// keeps a request's bytes (headers, and a Content-Length body) in the
// socket's input buffer until the response to it is sent. So a connection
// with no request of ours in flight, nothing being written and bytes in its
// input holds a request still arriving. One that stays so for read_timeout_ms
// after the connection became ready for it (accepted, or its last answer
// sent) gets a plain-text 408 written to its socket, which is then shut
// down; h2o sees the end of the stream and frees the connection itself.
// TLS connections (no plain bytes to write) are left to h2o's timeout.
//
// Threading: loop thread only.
#pragma once

#define H2O_USE_LIBUV 1
#include <h2o.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace desaster::http_front {

class SlowClients {
 public:
  // on_cut: for the log and counters, with the peer's address.
  SlowClients(uv_loop_t* loop, std::uint32_t read_timeout_ms,
              std::function<void(const std::string& peer)> on_cut);
  ~SlowClients();
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;

  // h2o's own req_timeout: later than ours, so the 408 goes out first.
  std::uint64_t h2o_req_timeout_ms() const;
  // Accepts a connection of server and returns its h2o socket (null: none).
  h2o_socket_t* accept(uv_stream_t* server, bool tls);
  // A request reached the handler; its answer was handed to h2o.
  void on_request(h2o_req_t* req);
  void on_answered(h2o_req_t* req);
  // No answer owed: every connection has its answers handed to h2o and
  // written, and none accepted less than the read timeout ago still waits
  // for its first request (a hot upgrade's old process waits for this).
  bool quiet() const;
  void close();

  struct Conn;

 private:
  void sweep();
  std::uint64_t sweep_ms() const;

  uv_loop_t* loop_;
  std::uint32_t read_timeout_ms_;
  std::function<void(const std::string&)> on_cut_;
  // Shared with the connections' close callbacks, which may run after this.
  std::shared_ptr<std::unordered_map<h2o_socket_t*, Conn*>> conns_;
  uv_timer_t* timer_ = nullptr;
};

}  // namespace desaster::http_front
