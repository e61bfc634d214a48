// The few things desaster-web needs from libh2o, wrapped: answering a
// request (now, or later from the loop thread once a node has answered),
// reading its headers, streaming Server-Sent Events, and the listener with
// its limits (header and body size, request timeout) and optional TLS.
//
// Threading: everything here runs on the loop thread.
#pragma once

#define H2O_USE_LIBUV 1
#include <h2o.h>
#include <uv.h>

#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/status.hpp"

namespace desaster::web {

inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;
inline constexpr std::uint64_t kRequestTimeoutMs = 10'000;
// Unsent SSE bytes a slow reader may pile up before it is cut off.
inline constexpr std::size_t kMaxSsePending = 1024 * 1024;

struct Header {
  std::string name;
  std::string value;
};

// Sends a complete response (the body is copied into the request's pool).
void respond(h2o_req_t* req, int status, std::string_view content_type, std::string_view body,
             const std::vector<Header>& headers = {});
// A static body that outlives the request (embedded files): not copied.
void respond_static(h2o_req_t* req, int status, std::string_view content_type,
                    const unsigned char* data, std::size_t size,
                    const std::vector<Header>& headers = {});
// The first value of a request header (lower-case name), empty if none.
std::string_view header_of(h2o_req_t* req, std::string_view name);
// Bytes of the request line and headers, as the limit counts them.
std::size_t header_bytes(h2o_req_t* req);
// The peer's address ("127.0.0.1"), for the login rate limit.
std::string peer_address(h2o_req_t* req);
bool is_tls(h2o_req_t* req);

// A request answered later: holds the request until respond() or until the
// client goes away (then respond() does nothing).
class Deferred {
 public:
  static std::shared_ptr<Deferred> hold(h2o_req_t* req);
  bool alive() const { return req_ != nullptr; }
  h2o_req_t* req() const { return req_; }

 private:
  static void dispose(void* slot);
  h2o_req_t* req_ = nullptr;
};

// Every open /api/events stream; broadcast() queues an event for each.
class SseHub {
 public:
  ~SseHub();
  // Starts the stream on req with a first event.
  void open(h2o_req_t* req, const std::string& first_event);
  void broadcast(std::string_view event, std::string_view data);
  void comment(std::string_view text);  // ": text" (keep-alive)
  std::size_t size() const { return clients_.size(); }

 private:
  struct Client;
  static void on_proceed(h2o_generator_t* gen, h2o_req_t* req);
  static void on_stop(h2o_generator_t* gen, h2o_req_t* req);
  void push(Client* c, std::string_view text);
  void flush(Client* c);
  std::list<Client*> clients_;
};

struct ListenOptions {
  std::string host;
  std::uint16_t port = 0;
  std::string tls_cert;
  std::string tls_key;
  std::uint64_t request_timeout_ms = kRequestTimeoutMs;
};

// h2o on a libuv loop: one host, one handler that gets every request.
class HttpServer {
 public:
  using Handler = std::function<void(h2o_req_t*)>;
  HttpServer(uv_loop_t* loop, Handler handler, std::uint64_t request_timeout_ms);
  ~HttpServer();
  Status listen(const ListenOptions& options);

 private:
  static int on_req(h2o_handler_t* self, h2o_req_t* req);
  static void on_accept(uv_stream_t* listener, int status);

  struct HandlerSlot {
    h2o_handler_t super;
    HttpServer* server;
  };
  uv_loop_t* loop_;
  Handler handler_;
  h2o_globalconf_t config_{};
  h2o_context_t context_{};
  h2o_accept_ctx_t accept_{};
  uv_tcp_t listener_{};
  bool listening_ = false;
};

}  // namespace desaster::web
