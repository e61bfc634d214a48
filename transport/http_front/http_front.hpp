// The HTTP front end of a node (`--http`, `--https`): libh2o on the node's
// libuv loop (HTTP/1.1 with keep-alive and pipelining; HTTP/2 by ALPN over
// TLS). Each request becomes a transient job: routed to a queue, handed to
// the backend as soon as it has a free worker, answered from the worker's
// Rack reply. Never journaled, never leased.
//
// Overload: a request no worker can take waits (wait_queue.hpp: FIFO, or
// round robin over clients for a queue whose qdisc is sfq), at most
// queue_limit requests for at most queue_timeout_ms; past either it gets
// 503 with Retry-After, and so does at once one that the requests ahead
// would keep waiting to the timeout (expected_wait_ms). With a remote backend (the cluster), a
// request whose queue has no local pool, or that finds the FIFO full, goes there instead (one try;
// the remote retries an idempotent one itself). A worker that dies mid-request gives 502; a GET or
// HEAD is tried once more first. Limits: headers 431, body 413 (h2o), a client slower than
// read_timeout_ms gets 408 and is disconnected (slow_clients.hpp; over TLS h2o closes it
// silently), malformed requests 400 (h2o's parser). One access log line per request.
//
// Threading: loop thread only. Owns its listeners and h2o context.
#pragma once

#define H2O_USE_LIBUV 1
#include <h2o.h>
#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/model/status.hpp"
#include "transport/http_front/http_backend.hpp"
#include "transport/http_front/http_options.hpp"
#include "transport/http_front/rack_env.hpp"
#include "transport/http_front/slow_clients.hpp"
#include "transport/http_front/wait_queue.hpp"

namespace desaster::http_front {

// Per route (or "default"): what the front end answered.
struct RouteCounters {
  std::uint64_t requests = 0;
  std::uint64_t served = 0;        // a Rack reply went out
  std::uint64_t rejected_503 = 0;  // queue full, waited too long, no pool
  std::uint64_t lost_502 = 0;      // worker died, bad reply
  std::uint64_t timed_out_504 = 0;
  std::uint64_t app_errors_500 = 0;
  std::uint64_t retried = 0;     // idempotent requests tried again after a lost worker
  std::uint64_t remote = 0;      // sent to the cluster (no local pool, or the FIFO full)
  std::uint64_t status_2xx = 0;  // by the status the client got
  std::uint64_t status_3xx = 0;
  std::uint64_t status_4xx = 0;
  std::uint64_t status_5xx = 0;
  std::uint64_t wait_ms_total = 0;  // from arrival to a worker, over the served ones
};

struct HttpFrontStats {
  std::map<std::string, RouteCounters> routes;
  std::uint64_t too_large_431 = 0;
  std::uint64_t bad_400 = 0;
  std::uint64_t slow_408 = 0;  // cut off: the request did not arrive within --http-read-timeout
  std::size_t waiting = 0;
  std::size_t in_flight = 0;
};

class HttpFront {
 public:
  using Log = std::function<void(const std::string&)>;
  // remote: where requests go that no local worker can take; null: none (503).
  HttpFront(uv_loop_t* loop, HttpFrontOptions options, HttpBackend& backend, Log access_log,
            Log error_log, HttpBackend* remote = nullptr);
  ~HttpFront();
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  // Where a listener's socket comes from: a bound, listening TCP socket
  // for "http" or "https" (adopted: the front end owns and closes it).
  using ListenFd = std::function<Result<int>(const std::string& name, const ListenAddress& where)>;
  // Listens on --http and --https (on listen_fd's sockets if given, else
  // binds them itself); the error names the address.
  Status start(ListenFd listen_fd = {});
  // A hot upgrade's old process: stops accepting (the new process accepts
  // on the same sockets); what was accepted is still served.
  void stop_accepting();
  // Nothing waiting or running and no answer owed (SlowClients::quiet).
  bool quiet() const;
  // A worker became free: start waiting requests.
  void on_capacity();
  // Stops listening, answers every waiting request 503 and asks h2o to end
  // its connections (idle HTTP/1 ones go at their read timeout).
  void close();
  HttpFrontStats stats() const;

  struct Exchange;

 private:
  struct Listener;
  void handle(h2o_req_t* req);
  // Every answer goes through here (the slow-client watch learns of it).
  void respond(h2o_req_t* req, int status, const HeaderList& headers, std::string_view body);
  bool start_exchange(const std::shared_ptr<Exchange>& x);
  bool start_remote(const std::shared_ptr<Exchange>& x);
  void count_status(Exchange& x, int status);
  // About how long a request queued now would wait for a worker.
  std::uint64_t expected_wait_ms() const;
  void on_answer(const std::shared_ptr<Exchange>& x, BackendAnswer answer);
  void finish(Exchange& x, int status, const std::string& why);
  void drain();
  void expire();
  void arm_timer();
  RouteCounters& counters(const Exchange& x);
  // Its sfq flow ("" when its queue's qdisc is not sfq), worked out once.
  const std::string& flow_of(Exchange& x);

  uv_loop_t* loop_;
  HttpFrontOptions options_;
  HttpBackend& backend_;
  HttpBackend* remote_;
  Log access_log_;
  Log error_log_;
  h2o_globalconf_t config_{};
  h2o_context_t context_{};
  std::unique_ptr<SlowClients> slow_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  WaitQueue<std::shared_ptr<Exchange>> waiting_;
  uv_timer_t* timer_ = nullptr;
  std::uint64_t next_id_ = 1;
  std::size_t in_flight_ = 0;
  bool closed_ = false;
  bool draining_ = false;
  HttpFrontStats stats_;
};

}  // namespace desaster::http_front
