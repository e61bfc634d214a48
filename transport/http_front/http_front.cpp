#include "transport/http_front/http_front.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <algorithm>

#include "transport/http_front/rack_env.hpp"

namespace desaster::http_front {

namespace {

const char* reason_of(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "OK";
  }
}

h2o_generator_t kNoGenerator = {nullptr, nullptr};

std::string address_text(const sockaddr_storage& ss, socklen_t len, std::uint16_t* port) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (len > 0 && ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    if (port) *port = ntohs(in->sin_port);
  } else if (len > 0 && ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    if (port) *port = ntohs(in6->sin6_port);
  }
  return text;
}

std::string_view view(const h2o_iovec_t& v) {
  return v.base ? std::string_view(v.base, v.len) : std::string_view();
}

// The request line and headers as the 431 limit counts them.
std::size_t header_bytes(const h2o_req_t* req) {
  std::size_t total = req->input.method.len + req->input.path.len + req->input.authority.len;
  for (std::size_t i = 0; i < req->headers.size; ++i)
    total += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
  return total;
}

void send_response(h2o_req_t* req, int status, const HeaderList& headers, std::string_view body) {
  req->res.status = status;
  req->res.reason = reason_of(status);
  for (const auto& [name, value] : headers) {
    const h2o_iovec_t n = h2o_strdup(&req->pool, name.data(), name.size());
    const h2o_iovec_t v = h2o_strdup(&req->pool, value.data(), value.size());
    h2o_add_header_by_str(&req->pool, &req->res.headers, n.base, n.len, 1, nullptr, v.base, v.len);
  }
  h2o_iovec_t b = h2o_strdup(&req->pool, body.data(), body.size());
  req->res.content_length = b.len;
  h2o_start_response(req, &kNoGenerator);
  h2o_send(req, &b, 1, H2O_SEND_STATE_FINAL);
}

}  // namespace

struct HttpFront::Exchange {
  h2o_req_t* req = nullptr;  // null once the client went away (h2o freed it)
  std::uint64_t id = 0;
  std::string queue;
  std::string route;
  std::string method;
  std::string target;
  std::string remote;
  std::string host;  // the request's authority (its sfq flow under --http-flow host)
  std::string flow;
  bool flow_known = false;
  std::string payload;
  bool idempotent = false;
  int tries = 0;
  std::uint64_t arrived_ms = 0;
  std::uint64_t started_ms = 0;
  std::uint64_t deadline_ms = 0;  // end of its wait for a worker
  std::size_t ahead = 0;          // requests waiting when it joined them
  std::string worker;
  bool finished = false;
  bool via_cluster = false;  // sent to the remote backend

  // The exchange outlives the request (it sits in the wait queue or with a
  // worker); the request's pool tells it when h2o frees the request.
  static std::shared_ptr<Exchange> attach(h2o_req_t* req) {
    auto x = std::make_shared<Exchange>();
    x->req = req;
    void* slot = h2o_mem_alloc_shared(&req->pool, sizeof(std::shared_ptr<Exchange>*), dispose);
    *static_cast<std::shared_ptr<Exchange>**>(slot) = new std::shared_ptr<Exchange>(x);
    return x;
  }
  static void dispose(void* slot) {
    auto* held = *static_cast<std::shared_ptr<Exchange>**>(slot);
    (*held)->req = nullptr;
    delete held;
  }
};

struct HttpFront::Listener {
  HttpFront* front = nullptr;
  uv_tcp_t tcp{};
  h2o_accept_ctx_t accept{};
  SSL_CTX* ssl = nullptr;
};

HttpFront::HttpFront(uv_loop_t* loop, HttpFrontOptions options, HttpBackend& backend,
                     Log access_log, Log error_log, HttpBackend* remote)
    : loop_(loop),
      options_(std::move(options)),
      backend_(backend),
      remote_(remote),
      access_log_(std::move(access_log)),
      error_log_(std::move(error_log)) {
  h2o_config_init(&config_);
  config_.max_request_entity_size = options_.max_body_bytes;
  slow_ = std::make_unique<SlowClients>(
      loop_, options_.read_timeout_ms, [this](const std::string& peer) {
        ++stats_.slow_408;
        if (access_log_)
          access_log_("http " + peer + " 408: the request did not arrive within " +
                      std::to_string(options_.read_timeout_ms) + " ms");
      });
  config_.http1.req_timeout = slow_->h2o_req_timeout_ms();
  config_.http2.idle_timeout = std::max<std::uint64_t>(options_.read_timeout_ms, 10'000);
  config_.server_name = h2o_iovec_init(H2O_STRLIT("desaster"));
  h2o_hostconf_t* host =
      h2o_config_register_host(&config_, h2o_iovec_init(H2O_STRLIT("default")), 65535);
  h2o_pathconf_t* path = h2o_config_register_path(host, "/", 0);
  struct Slot {
    h2o_handler_t super;
    HttpFront* front;
  };
  auto* slot = reinterpret_cast<Slot*>(h2o_create_handler(path, sizeof(Slot)));
  slot->super.on_req = [](h2o_handler_t* self, h2o_req_t* req) -> int {
    reinterpret_cast<Slot*>(self)->front->handle(req);
    return 0;
  };
  slot->front = this;
  h2o_context_init(&context_, loop_, &config_);
}

// The node ends its loop only when every handle is closed; the h2o context
// and its connections are left to the process's end, as desaster-web does.
HttpFront::~HttpFront() = default;

Status HttpFront::start(ListenFd listen_fd) {
  timer_ = new uv_timer_t;
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  // h2o's cross-thread queue keeps an async handle open that no request
  // uses here: unreferenced, it does not keep the node's loop alive.
  uv_walk(
      loop_,
      [](uv_handle_t* h, void* queue) {
        if (static_cast<void*>(h) == queue) uv_unref(h);
      },
      context_.queue);
  for (int tls = 0; tls < 2; ++tls) {
    const std::optional<ListenAddress>& where = tls ? options_.https : options_.http;
    if (!where) continue;
    auto l = std::make_unique<Listener>();
    l->front = this;
    l->accept.ctx = &context_;
    l->accept.hosts = config_.hosts;
    if (tls) {
      SSL_load_error_strings();
      SSL_library_init();
      l->ssl = SSL_CTX_new(TLS_server_method());
      SSL_CTX_set_min_proto_version(l->ssl, TLS1_2_VERSION);
      if (SSL_CTX_use_certificate_chain_file(l->ssl, options_.tls_cert.c_str()) != 1)
        return Status::error(ErrorCode::bad_request,
                             "--tls-cert: cannot use '" + options_.tls_cert + "'");
      if (SSL_CTX_use_PrivateKey_file(l->ssl, options_.tls_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
          SSL_CTX_check_private_key(l->ssl) != 1)
        return Status::error(ErrorCode::bad_request, "--tls-key: cannot use '" + options_.tls_key +
                                                         "' with the certificate");
      h2o_ssl_register_alpn_protocols(l->ssl, h2o_http2_alpn_protocols);
      l->accept.ssl_ctx = l->ssl;
    }
    uv_tcp_init(loop_, &l->tcp);
    l->tcp.data = l.get();
    int rc = 0;
    std::string why;
    if (listen_fd) {
      Result<int> fd = listen_fd(tls ? "https" : "http", *where);
      if (!fd.ok()) {
        why = fd.status().message;
      } else if ((rc = uv_tcp_open(&l->tcp, *fd)) != 0) {
        ::close(*fd);
      }
    } else {
      sockaddr_in addr{};
      uv_ip4_addr(where->host.c_str(), where->port, &addr);
      rc = uv_tcp_bind(&l->tcp, reinterpret_cast<const sockaddr*>(&addr), 0);
    }
    if (rc == 0 && why.empty()) {
      rc = uv_listen(reinterpret_cast<uv_stream_t*>(&l->tcp), 1024, [](uv_stream_t* s, int status) {
        if (status != 0) return;
        auto* listener = static_cast<Listener*>(s->data);
        h2o_socket_t* sock = listener->front->slow_->accept(s, listener->ssl != nullptr);
        if (sock) h2o_accept(&listener->accept, sock);
      });
    }
    if (rc != 0 || !why.empty()) {
      uv_close(reinterpret_cast<uv_handle_t*>(&l->tcp), nullptr);
      listeners_.push_back(std::move(l));  // freed with the front, after the close
      return Status::error(ErrorCode::unavailable,
                           std::string("cannot listen for HTTP") + (tls ? "S" : "") + " on " +
                               where->host + ":" + std::to_string(where->port) + ": " +
                               (why.empty() ? std::string(uv_strerror(rc)) : why));
    }
    listeners_.push_back(std::move(l));
  }
  return {};
}

RouteCounters& HttpFront::counters(const Exchange& x) {
  return stats_.routes[x.route];
}

void HttpFront::respond(h2o_req_t* req, int status, const HeaderList& headers,
                        std::string_view body) {
  slow_->on_answered(req);
  send_response(req, status, headers, body);
}

void HttpFront::handle(h2o_req_t* req) {
  slow_->on_request(req);
  auto reject = [&](int status, const std::string& why) {
    respond(req, status, {{"content-type", "text/plain; charset=utf-8"}}, why + "\n");
  };
  if (closed_) return reject(503, "shutting down");
  if (header_bytes(req) > options_.max_header_bytes) {
    ++stats_.too_large_431;
    return reject(431,
                  "request headers over " + std::to_string(options_.max_header_bytes) + " bytes");
  }
  HttpRequest r;
  r.method = std::string(view(req->input.method));
  r.target = std::string(view(req->input.path));
  r.authority = std::string(view(req->input.authority));
  r.protocol = req->version >= 0x200 ? "HTTP/2" : req->version == 0x100 ? "HTTP/1.0" : "HTTP/1.1";
  for (std::size_t i = 0; i < req->headers.size; ++i) {
    const h2o_header_t& h = req->headers.entries[i];
    r.headers.emplace_back(std::string(h.name->base, h.name->len), std::string(view(h.value)));
  }
  r.body = std::string(view(req->entity));
  sockaddr_storage ss{};
  r.remote_addr = address_text(
      ss, req->conn->callbacks->get_peername(req->conn, reinterpret_cast<sockaddr*>(&ss)), nullptr);
  // SERVER_PORT comes from the authority; only without one is the
  // connection asked (a getsockname per request otherwise).
  if (r.authority.empty()) {
    sockaddr_storage local{};
    address_text(local,
                 req->conn->callbacks->get_sockname(req->conn, reinterpret_cast<sockaddr*>(&local)),
                 &r.local_port);
  }
  r.tls = req->scheme == &H2O_URL_SCHEME_HTTPS;

  Result<std::string> payload = encode_rack_payload(r);
  if (!payload.ok()) {
    ++stats_.bad_400;
    return reject(400, payload.status().message);
  }
  auto x = Exchange::attach(req);
  x->id = next_id_++;
  const auto route = options_.routes.match(r.authority, r.target);
  if (route) {
    const HttpRoute& hr = options_.routes.routes()[*route];
    x->queue = hr.queue;
    x->route = hr.host + hr.prefix;
  } else {
    x->queue = std::string(kDefaultHttpQueue);
    x->route = "default";
  }
  x->method = r.method;
  x->target = r.target.substr(0, 512);
  x->remote = r.remote_addr;
  x->host = r.authority.substr(0, 256);
  x->payload = std::move(*payload);
  x->idempotent = r.method == "GET" || r.method == "HEAD";
  x->arrived_ms = uv_now(loop_);
  x->deadline_ms = x->arrived_ms + options_.queue_timeout_ms;
  ++counters(*x).requests;

  if (!backend_.serves(x->queue)) {
    if (start_remote(x)) return;
    return finish(*x, 503,
                  remote_ ? "no Rack pool serves queue " + x->queue +
                                " here and the cluster has as many requests as it may"
                          : "no Rack pool serves queue " + x->queue);
  }
  // Earlier requests go first: a newcomer waits behind them. A worker that
  // is free while requests wait takes the oldest now, not only when its
  // pool's idle notice comes: under a flood of new connections that notice
  // was seen to find no worker free while both then idled with thousands
  // waiting, until the queue timed out.
  if (!waiting_.empty() && backend_.can_start(x->queue)) drain();
  if (waiting_.empty() && start_exchange(x)) return;
  if (waiting_.size() >= options_.queue_limit) {
    if (start_remote(x)) return;
    return finish(
        *x, 503,
        "all workers busy and " + std::to_string(options_.queue_limit) + " requests waiting");
  }
  // The requests ahead would keep it waiting past the timeout: it would
  // get its 503 then, so it gets it now, and the requests that can be
  // served in time do not wait behind it.
  if (const std::uint64_t wait = expected_wait_ms(); wait >= options_.queue_timeout_ms) {
    if (start_remote(x)) return;
    return finish(*x, 503,
                  "all workers busy and the " + std::to_string(waiting_.size()) +
                      " requests waiting would keep it about " + std::to_string(wait) +
                      " ms, past the queue timeout of " +
                      std::to_string(options_.queue_timeout_ms) + " ms");
  }
  x->ahead = waiting_.size();
  const std::string flow = flow_of(*x);
  std::string queue = x->queue;
  waiting_.push_back(flow, std::move(x), std::move(queue));
  arm_timer();
}

const std::string& HttpFront::flow_of(Exchange& x) {
  if (!x.flow_known) {
    x.flow_known = true;
    // The local backend reads the replicated queue settings: the same on every node.
    if (backend_.fair(x.queue)) x.flow = options_.flow_by_host ? x.host : x.remote;
  }
  return x.flow;
}

bool HttpFront::start_exchange(const std::shared_ptr<Exchange>& x) {
  if (!backend_.can_start(x->queue)) return false;
  ++x->tries;
  x->started_ms = uv_now(loop_);
  ++in_flight_;
  std::weak_ptr<Exchange> weak = x;
  const bool started = backend_.try_start(
      x->queue, flow_of(*x), x->id, x->payload, options_.request_timeout_ms, x->idempotent,
      [this, x](BackendAnswer answer) { on_answer(x, std::move(answer)); });
  if (!started) {
    --in_flight_;
    --x->tries;
  }
  return started;
}

// The cluster retries a lost idempotent request itself, so the front end
// counts this as its last try.
bool HttpFront::start_remote(const std::shared_ptr<Exchange>& x) {
  if (!remote_ || closed_ || !remote_->serves(x->queue)) return false;
  x->via_cluster = true;
  x->tries = 2;
  x->started_ms = uv_now(loop_);
  ++in_flight_;
  const bool started = remote_->try_start(
      x->queue, flow_of(*x), x->id, x->payload, options_.request_timeout_ms, x->idempotent,
      [this, x](BackendAnswer answer) { on_answer(x, std::move(answer)); });
  if (!started) {
    --in_flight_;
    x->via_cluster = false;
    return false;
  }
  ++counters(*x).remote;
  return true;
}

// wait_queue.hpp's estimate, from the oldest waiting request (nothing is
// kept once the queue is empty).
std::uint64_t HttpFront::expected_wait_ms() const {
  const std::shared_ptr<Exchange>* head =
      waiting_.oldest([](const std::shared_ptr<Exchange>& x) { return x->arrived_ms; });
  if (!head) return 0;
  const std::uint64_t now = uv_now(loop_);
  const std::uint64_t age = now > (*head)->arrived_ms ? now - (*head)->arrived_ms : 0;
  return http_front::expected_wait_ms(age, (*head)->ahead, waiting_.size());
}

void HttpFront::count_status(Exchange& x, int status) {
  RouteCounters& c = counters(x);
  if (status < 300) {
    ++c.status_2xx;
  } else if (status < 400) {
    ++c.status_3xx;
  } else if (status < 500) {
    ++c.status_4xx;
  } else {
    ++c.status_5xx;
  }
}

void HttpFront::on_answer(const std::shared_ptr<Exchange>& x, BackendAnswer answer) {
  --in_flight_;
  x->worker = answer.worker;
  if (x->finished) return;
  RouteCounters& c = counters(*x);
  switch (answer.kind) {
    case BackendAnswer::Kind::replied: {
      Result<HttpReply> reply = answer.reply ? check_rack_reply(std::move(*answer.reply))
                                             : decode_rack_reply(answer.output);
      if (!reply.ok()) {
        ++c.lost_502;
        return finish(*x, 502, "the app's reply was unusable: " + reply.status().message);
      }
      ++c.served;
      count_status(*x, reply->status);
      x->finished = true;
      if (x->req) {
        respond(x->req, reply->status, reply->headers,
                x->method == "HEAD" ? std::string_view() : std::string_view(reply->body));
      }
      const std::uint64_t now = uv_now(loop_);
      if (access_log_) {
        access_log_(
            "http " + x->remote + " \"" + x->method + " " + x->target + "\" " +
            std::to_string(reply->status) + " " + std::to_string(reply->body.size()) +
            "B queue=" + x->queue + (x->via_cluster ? " via=cluster" : "") +
            " worker=" + x->worker + " wait_ms=" + std::to_string(x->started_ms - x->arrived_ms) +
            " ms=" + std::to_string(now - x->arrived_ms) + (x->req ? "" : " (client gone)"));
      }
      c.wait_ms_total += x->started_ms - x->arrived_ms;
      return;
    }
    case BackendAnswer::Kind::app_error:
      ++c.app_errors_500;
      return finish(*x, 500, "the app raised " + answer.error);
    case BackendAnswer::Kind::unavailable:
      return finish(*x, 503, answer.error);
    case BackendAnswer::Kind::timed_out:
      ++c.timed_out_504;
      return finish(*x, 504,
                    "no answer within " + std::to_string(options_.request_timeout_ms) +
                        " ms: " + answer.error);
    case BackendAnswer::Kind::not_started:
      // It never ran (it waited behind a request whose worker died): any
      // method may go to another worker, and it was not a try.
      if (x->req && !closed_) {
        if (error_log_)
          error_log_("http request " + std::to_string(x->id) + " never began (" + answer.error +
                     "); starting it on another worker");
        --x->tries;
        if (start_exchange(x)) return;
        waiting_.push_front(flow_of(*x), x, x->queue);
        arm_timer();
        return;
      }
      ++c.lost_502;
      return finish(*x, 502, "the worker the request waited for died: " + answer.error);
    case BackendAnswer::Kind::worker_lost:
      // A GET or HEAD changed nothing the client relies on: one more try,
      // on whichever worker is free (never the dead one). A POST never.
      if (x->idempotent && x->tries < 2 && x->req && !closed_) {
        ++c.retried;
        if (error_log_)
          error_log_("http request " + std::to_string(x->id) + " lost its worker (" + answer.error +
                     "); trying it once more");
        if (start_exchange(x)) return;
        waiting_.push_front(flow_of(*x), x, x->queue);
        arm_timer();
        return;
      }
      ++c.lost_502;
      return finish(*x, 502, "the worker serving the request died: " + answer.error);
  }
}

// Every answer that is not the app's own: a short text saying why.
void HttpFront::finish(Exchange& x, int status, const std::string& why) {
  if (x.finished) return;
  x.finished = true;
  count_status(x, status);
  HeaderList headers{{"content-type", "text/plain; charset=utf-8"}};
  if (status == 503) {
    ++counters(x).rejected_503;
    const std::uint32_t seconds =
        std::max<std::uint32_t>(1, (options_.queue_timeout_ms + 999) / 1000);
    headers.emplace_back("retry-after", std::to_string(seconds));
  }
  if (x.req) respond(x.req, status, headers, why + "\n");
  if (access_log_) {
    const std::uint64_t now = uv_now(loop_);
    access_log_("http " + x.remote + " \"" + x.method + " " + x.target + "\" " +
                std::to_string(status) + " queue=" + x.queue +
                (x.via_cluster ? " via=cluster" : "") +
                " worker=" + (x.worker.empty() ? "-" : x.worker) +
                " ms=" + std::to_string(now - x.arrived_ms) + ": " + why);
  }
}

void HttpFront::on_capacity() {
  drain();
}

// Waiting requests to whatever worker is free, in turn order (arrival
// order for FIFO queues); a request whose queue has no free worker keeps
// its place, and so do the others of that queue, unoffered.
void HttpFront::drain() {
  if (draining_) return;
  draining_ = true;
  waiting_.drain([this](const std::shared_ptr<Exchange>& x) { return start_exchange(x); },
                 [](const std::shared_ptr<Exchange>& x) { return !x->req || x->finished; });
  draining_ = false;
  arm_timer();
}

void HttpFront::expire() {
  waiting_.expire(
      uv_now(loop_), [](const std::shared_ptr<Exchange>& x) { return x->deadline_ms; },
      [](const std::shared_ptr<Exchange>& x) { return !x->req || x->finished; },
      [this](const std::shared_ptr<Exchange>& x) {
        finish(*x, 503,
               "no worker free within " + std::to_string(options_.queue_timeout_ms) + " ms");
      });
  arm_timer();
}

void HttpFront::arm_timer() {
  if (!timer_) return;
  const std::uint64_t next =
      waiting_.earliest([](const std::shared_ptr<Exchange>& x) { return x->deadline_ms; })
          .value_or(UINT64_MAX);
  if (next == UINT64_MAX) {
    uv_timer_stop(timer_);
    return;
  }
  const std::uint64_t now = uv_now(loop_);
  uv_timer_start(
      timer_, [](uv_timer_t* t) noexcept { static_cast<HttpFront*>(t->data)->expire(); },
      next > now ? next - now : 0, 0);
}

void HttpFront::stop_accepting() {
  for (auto& l : listeners_) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&l->tcp)))
      uv_close(reinterpret_cast<uv_handle_t*>(&l->tcp), nullptr);
  }
}

bool HttpFront::quiet() const {
  return waiting_.size() == 0 && in_flight_ == 0 && slow_->quiet();
}

void HttpFront::close() {
  if (closed_) return;
  closed_ = true;
  stop_accepting();
  for (auto& x : waiting_.take_all()) finish(*x, 503, "the node is shutting down");
  if (timer_) {
    uv_close(reinterpret_cast<uv_handle_t*>(timer_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    timer_ = nullptr;
  }
  slow_->close();
  h2o_context_request_shutdown(&context_);
}

HttpFrontStats HttpFront::stats() const {
  HttpFrontStats s = stats_;
  s.waiting = waiting_.size();
  s.in_flight = in_flight_;
  return s;
}

}  // namespace desaster::http_front
