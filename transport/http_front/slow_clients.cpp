#include "transport/http_front/slow_clients.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <string_view>

namespace desaster::http_front {

// The uv handle comes first: the close callback gets the handle's address.
struct SlowClients::Conn {
  uv_tcp_t tcp{};
  std::shared_ptr<std::unordered_map<h2o_socket_t*, Conn*>> table;
  h2o_socket_t* sock = nullptr;
  bool tls = false;
  bool cut = false;
  int busy = 0;                   // requests of this connection not yet answered
  bool asked = false;             // a request arrived on it
  std::uint64_t ready_since = 0;  // accepted, or its last answer handed to h2o
};

namespace {

constexpr std::string_view kBody = "the request did not arrive in time\n";

std::string peer_of(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  char text[INET6_ADDRSTRLEN] = "?";
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    if (ss.ss_family == AF_INET)
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, text, sizeof text);
    else if (ss.ss_family == AF_INET6)
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, text, sizeof text);
  }
  return text;
}

}  // namespace

SlowClients::SlowClients(uv_loop_t* loop, std::uint32_t read_timeout_ms,
                         std::function<void(const std::string&)> on_cut)
    : loop_(loop),
      read_timeout_ms_(read_timeout_ms),
      on_cut_(std::move(on_cut)),
      conns_(std::make_shared<std::unordered_map<h2o_socket_t*, Conn*>>()) {
  timer_ = new uv_timer_t;
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  uv_timer_start(
      timer_, [](uv_timer_t* t) noexcept { static_cast<SlowClients*>(t->data)->sweep(); },
      sweep_ms(), sweep_ms());
  uv_unref(reinterpret_cast<uv_handle_t*>(timer_));
}

SlowClients::~SlowClients() {
  close();
}

std::uint64_t SlowClients::sweep_ms() const {
  return std::clamp<std::uint64_t>(read_timeout_ms_ / 4, 50, 1000);
}

std::uint64_t SlowClients::h2o_req_timeout_ms() const {
  return std::uint64_t{read_timeout_ms_} + 2 * sweep_ms();
}

h2o_socket_t* SlowClients::accept(uv_stream_t* server, bool tls) {
  auto* c = new Conn;
  uv_tcp_init(server->loop, &c->tcp);
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp),
             [](uv_handle_t* h) { delete reinterpret_cast<Conn*>(h); });
    return nullptr;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  c->table = conns_;
  c->tls = tls;
  c->ready_since = uv_now(loop_);
  c->sock = h2o_uv_socket_create(reinterpret_cast<uv_stream_t*>(&c->tcp), [](uv_handle_t* h) {
    auto* conn = reinterpret_cast<Conn*>(h);
    conn->table->erase(conn->sock);
    delete conn;
  });
  conns_->emplace(c->sock, c);
  return c->sock;
}

void SlowClients::on_request(h2o_req_t* req) {
  h2o_socket_t* sock = req->conn->callbacks->get_socket(req->conn);
  if (auto it = conns_->find(sock); it != conns_->end()) {
    ++it->second->busy;
    it->second->asked = true;
  }
}

void SlowClients::on_answered(h2o_req_t* req) {
  h2o_socket_t* sock = req->conn->callbacks->get_socket(req->conn);
  auto it = conns_->find(sock);
  if (it == conns_->end()) return;
  Conn& c = *it->second;
  if (c.busy > 0) --c.busy;
  c.ready_since = uv_now(loop_);
}

void SlowClients::sweep() {
  const std::uint64_t now = uv_now(loop_);
  for (auto& [sock, c] : *conns_) {
    if (c->tls || c->cut || c->busy > 0 || h2o_socket_is_writing(sock)) continue;
    if (sock->input == nullptr || sock->input->size == 0) continue;
    if (now - c->ready_since < read_timeout_ms_) continue;
    uv_os_fd_t fd = -1;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(&c->tcp), &fd) != 0) continue;
    c->cut = true;
    const std::string peer = peer_of(fd);
    const std::string answer =
        "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\n"
        "content-type: text/plain; charset=utf-8\r\ncontent-length: " +
        std::to_string(kBody.size()) + "\r\n\r\n" + std::string(kBody);
    // Nothing else is being written (checked above) and the answer is far
    // smaller than a socket's send buffer: one non-blocking send takes it.
    (void)::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    // h2o reads the end of the stream and closes the connection itself.
    ::shutdown(fd, SHUT_RDWR);
    if (on_cut_) on_cut_(peer);
  }
}

bool SlowClients::quiet() const {
  const std::uint64_t now = uv_now(loop_);
  for (const auto& [sock, c] : *conns_) {
    if (c->cut) continue;
    if (c->busy > 0 || h2o_socket_is_writing(sock)) return false;
    if (!c->asked && now - c->ready_since < read_timeout_ms_) return false;
  }
  return true;
}

void SlowClients::close() {
  if (!timer_) return;
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  timer_ = nullptr;
}

}  // namespace desaster::http_front
