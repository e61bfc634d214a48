#include "core/node/metrics/metrics_server.hpp"

#include <unistd.h>

#include <cstring>

#include "core/node/metrics/scrape_request.hpp"

namespace desaster::metrics {

struct MetricsServer::Connection {
  MetricsServer* server = nullptr;
  uv_tcp_t tcp{};
  uv_timer_t timer{};
  uv_write_t write{};
  std::string received;
  std::string response;
  int open_handles = 0;
  bool closing = false;
};

namespace {

std::string status_response(const char* status) {
  const std::string body = std::string(status) + "\n";
  return std::string("HTTP/1.1 ") + status +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

std::string metrics_response(const std::string& body, bool head) {
  std::string out =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  if (!head) out += body;
  return out;
}

}  // namespace

MetricsServer::MetricsServer(uv_loop_t* loop, const Logger& log,
                             std::function<std::string()> render)
    : loop_(loop), log_(log), render_(std::move(render)) {}

MetricsServer::~MetricsServer() = default;

Status MetricsServer::start(const std::string& address, std::uint16_t port, int fd) {
  sockaddr_in addr{};
  if (int rc = uv_ip4_addr(address.c_str(), port, &addr); rc != 0) {
    return Status::error(ErrorCode::bad_request, "--metrics: '" + address +
                                                     "' is not an IPv4 "
                                                     "address");
  }
  uv_tcp_init(loop_, &listener_);
  listener_.data = this;
  listening_ = true;
  int rc = 0;
  if (fd >= 0) {
    rc = uv_tcp_open(&listener_, fd);
    if (rc != 0) ::close(fd);
  } else {
    rc = uv_tcp_bind(&listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
  }
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 64,
                   [](uv_stream_t* s, int status) noexcept {
                     if (status == 0) static_cast<MetricsServer*>(s->data)->on_connection();
                   });
  }
  if (rc != 0) {
    return Status::error(ErrorCode::unavailable, "cannot listen for metrics on " + address + ":" +
                                                     std::to_string(port) + ": " + uv_strerror(rc));
  }
  log_.info("metrics on http://" + address + ":" + std::to_string(port) + "/metrics");
  return {};
}

void MetricsServer::on_connection() {
  auto* c = new Connection;
  c->server = this;
  uv_tcp_init(loop_, &c->tcp);
  c->tcp.data = c;
  c->open_handles = 1;
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener_),
                reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
    c->closing = true;
    connections_.insert(c);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), [](uv_handle_t* h) noexcept {
      auto* conn = static_cast<Connection*>(h->data);
      conn->server->on_connection_closed(conn);
    });
    return;
  }
  connections_.insert(c);
  uv_timer_init(loop_, &c->timer);
  c->timer.data = c;
  ++c->open_handles;
  if (connections_.size() > kMaxConnections || closing_) {
    close_connection(c);
    return;
  }
  uv_timer_start(
      &c->timer,
      [](uv_timer_t* t) noexcept {
        auto* conn = static_cast<Connection*>(t->data);
        conn->server->close_connection(conn);
      },
      kConnectionTimeoutMs, 0);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&c->tcp),
      [](uv_handle_t*, size_t suggested, uv_buf_t* buf) noexcept {
        buf->base = new char[suggested];
        buf->len = suggested;
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
        auto* conn = static_cast<Connection*>(s->data);
        conn->server->on_read(conn, nread, buf);
        delete[] buf->base;
      });
}

void MetricsServer::on_read(Connection* c, ssize_t nread, const uv_buf_t* buf) {
  if (c->closing) return;
  if (nread < 0) {
    close_connection(c);
    return;
  }
  c->received.append(buf->base, static_cast<std::size_t>(nread));
  switch (parse_scrape_request(c->received)) {
    case ScrapeRequest::incomplete:
      return;
    case ScrapeRequest::get_metrics:
      respond(c, metrics_response(render_(), false));
      return;
    case ScrapeRequest::head_metrics:
      respond(c, metrics_response(render_(), true));
      return;
    case ScrapeRequest::not_found:
      respond(c, status_response("404 Not Found"));
      return;
    case ScrapeRequest::method_not_allowed:
      respond(c, status_response("405 Method Not Allowed"));
      return;
    case ScrapeRequest::bad_request:
      respond(c, status_response("400 Bad Request"));
      return;
    case ScrapeRequest::too_large:
      respond(c, status_response("431 Request Header Fields Too Large"));
      return;
  }
}

void MetricsServer::respond(Connection* c, std::string response) {
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
  c->response = std::move(response);
  c->write.data = c;
  uv_buf_t buf = uv_buf_init(c->response.data(), static_cast<unsigned>(c->response.size()));
  int rc = uv_write(&c->write, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1,
                    [](uv_write_t* w, int) noexcept {
                      auto* conn = static_cast<Connection*>(w->data);
                      conn->server->close_connection(conn);
                    });
  if (rc != 0) close_connection(c);
}

void MetricsServer::close_connection(Connection* c) {
  if (c->closing) return;
  c->closing = true;
  auto closed = [](uv_handle_t* h) noexcept {
    auto* conn = static_cast<Connection*>(h->data);
    if (--conn->open_handles == 0) conn->server->on_connection_closed(conn);
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), closed);
}

void MetricsServer::on_connection_closed(Connection* c) {
  connections_.erase(c);
  delete c;
  maybe_done();
}

void MetricsServer::stop_accepting() {
  close_listener();
}

void MetricsServer::close_listener() {
  if (!listening_) return;
  listening_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&listener_), [](uv_handle_t* h) noexcept {
    auto* self = static_cast<MetricsServer*>(h->data);
    self->listener_closed_ = true;
    self->maybe_done();
  });
}

void MetricsServer::close(std::function<void()> done) {
  done_ = std::move(done);
  closing_ = true;
  if (listening_) {
    close_listener();
  } else if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&listener_))) {
    listener_closed_ = true;
  }
  // Copy: closing erases from the set only in the close callbacks, but be safe.
  for (Connection* c : std::set<Connection*>(connections_)) close_connection(c);
  maybe_done();
}

void MetricsServer::maybe_done() {
  if (!closing_ || !listener_closed_ || !connections_.empty() || !done_) return;
  auto done = std::move(done_);
  done_ = nullptr;
  done();
}

}  // namespace desaster::metrics
