// BeaconEndpoint: beacons over UDP on a libuv loop; see beacon_endpoint.hpp.
#include "transport/beacon/beacon_endpoint.hpp"

#include <optional>

#include <span>

namespace desaster {

namespace {
constexpr std::uint64_t kDefaultIntervalMs = 1000;
// At most one answer to hello beacons in this long: several new nodes (or
// a replayed hello) cost a beacon each this often, never a storm.
constexpr std::uint64_t kHelloAnswerGapMs = 200;
// Beacons are 40 bytes; anything longer than this is cut (UV_UDP_PARTIAL)
// and dropped as the wrong size.
constexpr std::size_t kReceiveBufferSize = 512;

Status uv_failure(const std::string& what, int code) {
  return Status::error(ErrorCode::unavailable, "beacon: " + what + ": " + uv_strerror(code));
}
}  // namespace

struct BeaconEndpoint::Impl {
  Impl(uv_loop_t* loop, BeaconConfig config, const SymmetricKey& mac_key, PeerHandler handler);

  Status start();
  Status bind_receiver();
  void send_beacon(std::uint16_t tcp_port);
  void on_datagram(ssize_t nread, const uv_buf_t* buf, const sockaddr* from, unsigned flags);
  void report(const std::vector<PeerEvent>& events);
  void arm_expiry();
  void close(std::function<void()> done, bool goodbye);

  static void on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) noexcept;
  static void on_receive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                         unsigned flags) noexcept;
  static void on_beacon_timer(uv_timer_t* handle) noexcept;
  static void on_expiry_timer(uv_timer_t* handle) noexcept;
  static void on_close(uv_handle_t* handle) noexcept;

  uv_loop_t* loop_;
  BeaconConfig config_;
  SymmetricKey mac_key_;
  PeerHandler handler_;
  PeerTable peers_;
  BeaconDropCounters drops_;
  BeaconStats stats_;
  uv_udp_t receiver_{};
  uv_udp_t sender_{};
  uv_timer_t beacon_timer_{};
  uv_timer_t expiry_timer_{};
  sockaddr_in destination_{};
  std::uint16_t bound_port_ = 0;
  bool started_ = false;
  bool closing_ = false;
  std::optional<std::uint64_t> last_hello_answer_;
  int open_handles_ = 0;
  std::function<void()> done_;
  char buffer_[kReceiveBufferSize];
};

BeaconEndpoint::Impl::Impl(uv_loop_t* loop, BeaconConfig config, const SymmetricKey& mac_key,
                           PeerHandler handler)
    : loop_(loop),
      config_(std::move(config)),
      mac_key_(mac_key),
      handler_(std::move(handler)),
      peers_(config_.silence_timeout_ms) {
  uv_udp_init(loop, &receiver_);
  uv_udp_init(loop, &sender_);
  uv_timer_init(loop, &beacon_timer_);
  uv_timer_init(loop, &expiry_timer_);
  receiver_.data = sender_.data = beacon_timer_.data = expiry_timer_.data = this;
  open_handles_ = 4;
}

Status BeaconEndpoint::Impl::bind_receiver() {
  sockaddr_in address{};
  if (uv_ip4_addr(config_.broadcast_address.c_str(), config_.port, &address) != 0) {
    return Status::error(
        ErrorCode::bad_request,
        "beacon: broadcast address '" + config_.broadcast_address + "' is not an IPv4 address");
  }
  const auto* as_sockaddr = reinterpret_cast<const sockaddr*>(&address);
  int rc = uv_udp_bind(&receiver_, as_sockaddr, UV_UDP_REUSEADDR);
  if (rc == UV_EADDRNOTAVAIL) {
    // Some systems refuse to bind a broadcast address; any address then
    // receives the broadcasts too (and unicast datagrams, which are checked
    // like the rest).
    uv_ip4_addr("0.0.0.0", config_.port, &address);
    rc = uv_udp_bind(&receiver_, as_sockaddr, UV_UDP_REUSEADDR);
  }
  if (rc != 0) {
    return uv_failure(
        "cannot bind " + config_.broadcast_address + ":" + std::to_string(config_.port), rc);
  }
  sockaddr_storage bound{};
  int length = sizeof bound;
  if (int err = uv_udp_getsockname(&receiver_, reinterpret_cast<sockaddr*>(&bound), &length)) {
    return uv_failure("getsockname", err);
  }
  bound_port_ = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return Status::success();
}

Status BeaconEndpoint::Impl::start() {
  if (started_ || closing_) return Status::error(ErrorCode::internal, "beacon: started twice");
  if (config_.tcp_port == 0) {
    return Status::error(ErrorCode::bad_request, "beacon: the advertised TCP port must not be 0");
  }
  if (Status status = bind_receiver(); !status.ok()) return status;
  uv_ip4_addr(config_.broadcast_address.c_str(), bound_port_, &destination_);

  sockaddr_in from{};
  if (uv_ip4_addr(config_.bind_address.c_str(), 0, &from) != 0) {
    return Status::error(ErrorCode::bad_request, "beacon: bind address '" + config_.bind_address +
                                                     "' is not an IPv4 address");
  }
  if (int rc = uv_udp_bind(&sender_, reinterpret_cast<const sockaddr*>(&from), 0)) {
    return uv_failure("cannot bind " + config_.bind_address, rc);
  }
  if (int rc = uv_udp_set_broadcast(&sender_, 1)) return uv_failure("SO_BROADCAST", rc);
  if (int rc = uv_udp_recv_start(&receiver_, on_alloc, on_receive)) {
    return uv_failure("cannot receive", rc);
  }
  started_ = true;
  on_beacon_timer(&beacon_timer_);
  return Status::success();
}

// Beacons are tiny and one is due every second: uv_udp_try_send needs no
// request kept alive, and a beacon that cannot go now (EAGAIN) is simply
// replaced by the next one.
void BeaconEndpoint::Impl::send_beacon(std::uint16_t tcp_port) {
  Beacon beacon;
  beacon.node_id = config_.node_id;
  beacon.tcp_port = tcp_port;
  if (config_.flags) beacon.flags = config_.flags();
  if (peers_.peers().empty()) beacon.flags |= kBeaconFlagHello;
  BeaconDatagram datagram = encode_beacon(beacon, mac_key_);
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(datagram.data()), datagram.size());
  const int rc =
      uv_udp_try_send(&sender_, &buf, 1, reinterpret_cast<const sockaddr*>(&destination_));
  if (rc < 0) {
    ++stats_.send_errors;
  } else {
    ++stats_.sent;
  }
}

void BeaconEndpoint::Impl::on_beacon_timer(uv_timer_t* handle) noexcept {
  auto* self = static_cast<Impl*>(handle->data);
  self->send_beacon(self->config_.tcp_port);
  const std::uint64_t interval =
      self->config_.next_interval_ms ? self->config_.next_interval_ms() : kDefaultIntervalMs;
  uv_timer_start(&self->beacon_timer_, on_beacon_timer, interval, 0);
}

void BeaconEndpoint::Impl::on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) noexcept {
  auto* self = static_cast<Impl*>(handle->data);
  *buf = uv_buf_init(self->buffer_, sizeof self->buffer_);
}

void BeaconEndpoint::Impl::on_receive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf,
                                      const sockaddr* from, unsigned flags) noexcept {
  static_cast<Impl*>(handle->data)->on_datagram(nread, buf, from, flags);
}

void BeaconEndpoint::Impl::on_datagram(ssize_t nread, const uv_buf_t* buf, const sockaddr* from,
                                       unsigned flags) {
  if (closing_) return;
  if (nread < 0) {
    ++stats_.receive_errors;
    return;
  }
  if (from == nullptr) return;  // libuv: nothing more to read now
  BeaconDecoded decoded =
      (flags & UV_UDP_PARTIAL)
          ? BeaconDecoded{BeaconFault::bad_size, {}}
          : decode_beacon(std::span(reinterpret_cast<const std::uint8_t*>(buf->base),
                                    static_cast<std::size_t>(nread)),
                          mac_key_);
  if (!decoded.ok()) {
    drops_.count(decoded.fault);
    if (config_.on_drop) {
      char name[64] = {};
      uv_ip_name(from, name, sizeof name);
      config_.on_drop(name, decoded.fault);
    }
    return;
  }
  if (decoded.beacon.node_id == config_.node_id) {
    ++stats_.own;
    return;
  }
  ++stats_.received;
  char name[64] = {};
  uv_ip_name(from, name, sizeof name);
  const std::uint64_t now = uv_now(loop_);
  report(peers_.observe(decoded.beacon, name, now));
  if (closing_) return;
  arm_expiry();
  if ((decoded.beacon.flags & kBeaconFlagHello) != 0 && decoded.beacon.tcp_port != 0 &&
      (!last_hello_answer_ || now - *last_hello_answer_ >= kHelloAnswerGapMs)) {
    last_hello_answer_ = now;
    send_beacon(config_.tcp_port);
  }
}

void BeaconEndpoint::Impl::on_expiry_timer(uv_timer_t* handle) noexcept {
  auto* self = static_cast<Impl*>(handle->data);
  self->report(self->peers_.expire(uv_now(self->loop_)));
  if (!self->closing_) self->arm_expiry();
}

void BeaconEndpoint::Impl::arm_expiry() {
  const std::optional<std::uint64_t> deadline = peers_.next_deadline();
  if (!deadline) {
    uv_timer_stop(&expiry_timer_);
    return;
  }
  const std::uint64_t now = uv_now(loop_);
  uv_timer_start(&expiry_timer_, on_expiry_timer, *deadline > now ? *deadline - now : 0, 0);
}

void BeaconEndpoint::Impl::report(const std::vector<PeerEvent>& events) {
  for (const PeerEvent& event : events) {
    if (closing_) return;  // the handler closed us
    if (handler_) handler_(event);
  }
}

void BeaconEndpoint::Impl::close(std::function<void()> done, bool goodbye) {
  if (closing_) return;
  if (started_ && goodbye) send_beacon(0);
  closing_ = true;
  done_ = std::move(done);
  for (uv_handle_t* handle :
       {reinterpret_cast<uv_handle_t*>(&receiver_), reinterpret_cast<uv_handle_t*>(&sender_),
        reinterpret_cast<uv_handle_t*>(&beacon_timer_),
        reinterpret_cast<uv_handle_t*>(&expiry_timer_)}) {
    uv_close(handle, on_close);
  }
}

void BeaconEndpoint::Impl::on_close(uv_handle_t* handle) noexcept {
  auto* impl = static_cast<Impl*>(handle->data);
  if (--impl->open_handles_ > 0) return;
  std::function<void()> done = std::move(impl->done_);
  delete impl;
  if (done) done();
}

BeaconEndpoint::BeaconEndpoint(uv_loop_t* loop, BeaconConfig config, const SymmetricKey& mac_key,
                               PeerHandler handler)
    : impl_(new Impl(loop, std::move(config), mac_key, std::move(handler))) {}

BeaconEndpoint::~BeaconEndpoint() {
  close(nullptr);
}

Status BeaconEndpoint::start() {
  if (!impl_) return Status::error(ErrorCode::internal, "beacon: start() after close()");
  return impl_->start();
}

std::uint16_t BeaconEndpoint::port() const {
  return impl_ ? impl_->bound_port_ : 0;
}

void BeaconEndpoint::close(std::function<void()> done, bool goodbye) {
  if (!impl_) return;
  Impl* impl = impl_;
  impl_ = nullptr;
  impl->close(std::move(done), goodbye);
}

const PeerTable& BeaconEndpoint::peers() const {
  static const PeerTable kEmpty(0);
  return impl_ ? impl_->peers_ : kEmpty;
}

const BeaconDropCounters& BeaconEndpoint::drops() const {
  static const BeaconDropCounters kNone;
  return impl_ ? impl_->drops_ : kNone;
}

const BeaconStats& BeaconEndpoint::stats() const {
  static const BeaconStats kNone;
  return impl_ ? impl_->stats_ : kNone;
}

}  // namespace desaster
