#include "ui/web/server/http_glue.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>

namespace desaster::web {

namespace {

const char* reason_of(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

h2o_iovec_t pool_copy(h2o_req_t* req, std::string_view text) {
  return h2o_strdup(&req->pool, text.data(), text.size());
}

void start(h2o_req_t* req, int status, std::string_view content_type,
           const std::vector<Header>& headers) {
  req->res.status = status;
  req->res.reason = reason_of(status);
  const h2o_iovec_t ct = pool_copy(req, content_type);
  h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, nullptr, ct.base, ct.len);
  h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0,
                        nullptr, H2O_STRLIT("nosniff"));
  for (const Header& h : headers) {
    const h2o_iovec_t name = pool_copy(req, h.name);
    const h2o_iovec_t value = pool_copy(req, h.value);
    h2o_add_header_by_str(&req->pool, &req->res.headers, name.base, name.len, 1, nullptr,
                          value.base, value.len);
  }
}

h2o_generator_t kNoGenerator = {nullptr, nullptr};

}  // namespace

void respond(h2o_req_t* req, int status, std::string_view content_type, std::string_view body,
             const std::vector<Header>& headers) {
  start(req, status, content_type, headers);
  h2o_iovec_t b = pool_copy(req, body);
  req->res.content_length = b.len;
  h2o_start_response(req, &kNoGenerator);
  h2o_send(req, &b, 1, H2O_SEND_STATE_FINAL);
}

void respond_static(h2o_req_t* req, int status, std::string_view content_type,
                    const unsigned char* data, std::size_t size,
                    const std::vector<Header>& headers) {
  start(req, status, content_type, headers);
  h2o_iovec_t b = h2o_iovec_init(reinterpret_cast<const char*>(data), size);
  req->res.content_length = size;
  h2o_start_response(req, &kNoGenerator);
  h2o_send(req, &b, 1, H2O_SEND_STATE_FINAL);
}

std::string_view header_of(h2o_req_t* req, std::string_view name) {
  const ssize_t at = h2o_find_header_by_str(&req->headers, name.data(), name.size(), -1);
  if (at < 0) return {};
  const h2o_iovec_t& v = req->headers.entries[at].value;
  return {v.base, v.len};
}

std::size_t header_bytes(h2o_req_t* req) {
  std::size_t total = req->input.method.len + req->input.path.len + req->input.authority.len;
  for (std::size_t i = 0; i < req->headers.size; ++i) {
    total += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
  }
  return total;
}

std::string peer_address(h2o_req_t* req) {
  sockaddr_storage ss{};
  const socklen_t len =
      req->conn->callbacks->get_peername(req->conn, reinterpret_cast<sockaddr*>(&ss));
  char text[INET6_ADDRSTRLEN] = "?";
  if (len > 0 && ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, text, sizeof text);
  } else if (len > 0 && ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, text, sizeof text);
  }
  return text;
}

bool is_tls(h2o_req_t* req) {
  return req->scheme == &H2O_URL_SCHEME_HTTPS;
}

// ---- Deferred

std::shared_ptr<Deferred> Deferred::hold(h2o_req_t* req) {
  auto d = std::make_shared<Deferred>();
  d->req_ = req;
  void* slot = h2o_mem_alloc_shared(&req->pool, sizeof(std::shared_ptr<Deferred>*), dispose);
  *static_cast<std::shared_ptr<Deferred>**>(slot) = new std::shared_ptr<Deferred>(d);
  return d;
}

void Deferred::dispose(void* slot) {
  auto* held = *static_cast<std::shared_ptr<Deferred>**>(slot);
  (*held)->req_ = nullptr;
  delete held;
}

// ---- SseHub

struct SseHub::Client {
  h2o_generator_t gen;  // first: the callbacks get a pointer to it
  h2o_req_t* req = nullptr;
  SseHub* hub = nullptr;
  std::string pending;
  std::string inflight;
  bool sending = false;
  bool overflow = false;
};

SseHub::~SseHub() {
  for (Client* c : clients_) c->hub = nullptr;
}

void SseHub::open(h2o_req_t* req, const std::string& first_event) {
  start(req, 200, "text/event-stream; charset=utf-8",
        {{"cache-control", "no-store"}, {"x-accel-buffering", "no"}});
  auto* c = new Client;
  c->gen = {on_proceed, on_stop};
  c->req = req;
  c->hub = this;
  clients_.push_back(c);
  h2o_start_response(req, &c->gen);
  push(c, first_event);
}

void SseHub::broadcast(std::string_view event, std::string_view data) {
  std::string text = "event: ";
  text += event;
  text += "\ndata: ";
  text += data;  // our JSON never holds a raw newline
  text += "\n\n";
  // Copy the list: a flush may end a client's stream.
  const std::list<Client*> clients = clients_;
  for (Client* c : clients) push(c, text);
}

void SseHub::comment(std::string_view text) {
  const std::string line = ": " + std::string(text) + "\n\n";
  const std::list<Client*> clients = clients_;
  for (Client* c : clients) push(c, line);
}

void SseHub::push(Client* c, std::string_view text) {
  if (c->overflow) return;
  if (c->pending.size() + text.size() > kMaxSsePending) {
    c->overflow = true;
  } else {
    c->pending += text;
  }
  flush(c);
}

void SseHub::flush(Client* c) {
  if (c->sending) return;
  if (c->overflow) {
    // A reader this slow is cut off with a last event saying so; the page
    // reconnects and reloads. The final chunk lives in the request's pool.
    h2o_iovec_t b = pool_copy(c->req, "event: overflow\ndata: {}\n\n");
    clients_.remove(c);
    h2o_req_t* req = c->req;
    delete c;
    h2o_send(req, &b, 1, H2O_SEND_STATE_FINAL);
    return;
  }
  if (c->pending.empty()) return;
  c->inflight.swap(c->pending);
  c->pending.clear();
  c->sending = true;
  h2o_iovec_t b = h2o_iovec_init(c->inflight.data(), c->inflight.size());
  h2o_send(c->req, &b, 1, H2O_SEND_STATE_IN_PROGRESS);
}

void SseHub::on_proceed(h2o_generator_t* gen, h2o_req_t*) {
  auto* c = reinterpret_cast<Client*>(gen);
  c->sending = false;
  c->inflight.clear();
  if (c->hub != nullptr) c->hub->flush(c);
}

void SseHub::on_stop(h2o_generator_t* gen, h2o_req_t*) {
  auto* c = reinterpret_cast<Client*>(gen);
  if (c->hub != nullptr) c->hub->clients_.remove(c);
  delete c;
}

// ---- HttpServer

HttpServer::HttpServer(uv_loop_t* loop, Handler handler, std::uint64_t request_timeout_ms)
    : loop_(loop), handler_(std::move(handler)) {
  h2o_config_init(&config_);
  config_.max_request_entity_size = kMaxBodyBytes;
  config_.http1.req_timeout = request_timeout_ms;
  config_.http2.idle_timeout = 60'000;
  config_.server_name = h2o_iovec_init(H2O_STRLIT("desaster-web"));  // not h2o's version
  h2o_hostconf_t* host =
      h2o_config_register_host(&config_, h2o_iovec_init(H2O_STRLIT("default")), 65535);
  h2o_pathconf_t* path = h2o_config_register_path(host, "/", 0);
  auto* slot = reinterpret_cast<HandlerSlot*>(h2o_create_handler(path, sizeof(HandlerSlot)));
  slot->super.on_req = on_req;
  slot->server = this;
  h2o_context_init(&context_, loop_, &config_);
  accept_.ctx = &context_;
  accept_.hosts = config_.hosts;
}

HttpServer::~HttpServer() = default;  // the process ends with the loop

int HttpServer::on_req(h2o_handler_t* self, h2o_req_t* req) {
  reinterpret_cast<HandlerSlot*>(self)->server->handler_(req);
  return 0;
}

void HttpServer::on_accept(uv_stream_t* listener, int status) {
  if (status != 0) return;
  auto* server = static_cast<HttpServer*>(listener->data);
  auto* conn = static_cast<uv_tcp_t*>(h2o_mem_alloc(sizeof(uv_tcp_t)));
  uv_tcp_init(listener->loop, conn);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(conn)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(conn), [](uv_handle_t* h) { free(h); });
    return;
  }
  h2o_socket_t* sock =
      h2o_uv_socket_create(reinterpret_cast<uv_stream_t*>(conn), [](uv_handle_t* h) { free(h); });
  h2o_accept(&server->accept_, sock);
}

Status HttpServer::listen(const ListenOptions& options) {
  if (!options.tls_cert.empty()) {
    SSL_load_error_strings();
    SSL_library_init();
    SSL_CTX* ssl = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ssl, options.tls_cert.c_str()) != 1)
      return Status::error(ErrorCode::bad_request,
                           "--tls-cert: cannot use '" + options.tls_cert + "'");
    if (SSL_CTX_use_PrivateKey_file(ssl, options.tls_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ssl) != 1)
      return Status::error(ErrorCode::bad_request,
                           "--tls-key: cannot use '" + options.tls_key + "' with the certificate");
    h2o_ssl_register_alpn_protocols(ssl, h2o_http2_alpn_protocols);
    accept_.ssl_ctx = ssl;
  }
  sockaddr_in addr{};
  if (uv_ip4_addr(options.host.c_str(), options.port, &addr) != 0)
    return Status::error(ErrorCode::bad_request, "--listen: bad address " + options.host);
  uv_tcp_init(loop_, &listener_);
  listener_.data = this;
  int rc = uv_tcp_bind(&listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 128, on_accept);
  if (rc != 0)
    return Status::error(ErrorCode::unavailable, "cannot listen on " + options.host + ":" +
                                                     std::to_string(options.port) + ": " +
                                                     uv_strerror(rc));
  listening_ = true;
  return Status::success();
}

}  // namespace desaster::web
