// HandshakeMonitor: libzmq socket monitor events on a libuv loop; see
// handshake_monitor.hpp.
#include "transport/security/handshake_monitor.hpp"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <optional>

#include "transport/loop/zmq_watcher.hpp"

namespace desaster {

namespace {
// Authentication failures (ZAP said no) are counted but not reported: the
// ZAP handler reports those itself, with the peer's address. Accepted,
// succeeded and disconnected connections are counted to tell the ones that
// were closed in the middle of the handshake (see on_event).
constexpr int kEvents = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                        ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                        ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED;

std::string monitor_endpoint() {
  static std::atomic<std::uint64_t> next{0};
  return "inproc://desaster.handshake-monitor." + std::to_string(next++);
}
}  // namespace

std::string describe_handshake_failure(int event, std::uint32_t value) {
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
    switch (value) {
      case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
        return "peer speaks no CURVE (mechanism mismatch): not set up with a group key";
      case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
        return "CURVE handshake did not decrypt: peer uses another group key";
      default: {
        char text[64];
        std::snprintf(text, sizeof text, "handshake protocol error 0x%08x", value);
        return text;
      }
    }
  }
  return "handshake failed (no detail; errno " + std::to_string(value) + ")";
}

struct HandshakeMonitor::Impl {
  Impl(uv_loop_t* loop, zmq::context_t& context, zmq::socket_t& watched, Handler handler)
      : loop_(loop), context_(context), watched_(watched.handle()), handler_(std::move(handler)) {}

  Status start();
  void on_event(std::vector<zmq::message_t>& parts);

  uv_loop_t* loop_;
  zmq::context_t& context_;
  void* watched_;
  Handler handler_;
  std::optional<zmq::socket_t> pair_;
  std::optional<ZmqWatcher> watcher_;
  std::uint64_t failures_ = 0;
  std::uint64_t accepted_ = 0;
  std::uint64_t ended_handshakes_ = 0;  // succeeded, failed, or closed midway
};

Status HandshakeMonitor::Impl::start() {
  if (pair_) return Status::error(ErrorCode::internal, "handshake monitor started twice");
  const std::string endpoint = monitor_endpoint();
  if (zmq_socket_monitor(watched_, endpoint.c_str(), kEvents) != 0) {
    return Status::error(ErrorCode::internal,
                         std::string("cannot monitor the socket: ") + zmq_strerror(zmq_errno()));
  }
  pair_.emplace(context_, zmq::socket_type::pair);
  pair_->set(zmq::sockopt::linger, 0);
  pair_->connect(endpoint);
  watcher_.emplace(loop_, *pair_, [this](std::vector<zmq::message_t>& parts) { on_event(parts); });
  return Status::success();
}

// A monitor event is two frames: u16 event and u32 value (host order), then
// the endpoint.
void HandshakeMonitor::Impl::on_event(std::vector<zmq::message_t>& parts) {
  if (parts.size() != 2 || parts[0].size() != 6) return;
  std::uint16_t event = 0;
  std::uint32_t value = 0;
  std::memcpy(&event, parts[0].data(), sizeof event);
  std::memcpy(&value, static_cast<const char*>(parts[0].data()) + sizeof event, sizeof value);
  switch (event) {
    case ZMQ_EVENT_ACCEPTED:
      ++accepted_;
      return;
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      ++ended_handshakes_;
      return;
    case ZMQ_EVENT_DISCONNECTED:
      // libzmq closes a connection whose frame is over ZMQ_MAXMSGSIZE, or
      // that outlives ZMQ_HANDSHAKE_IVL, without a handshake event; the
      // events name no connection, so a disconnect while some accepted
      // connection has not ended its handshake is counted as one of those.
      if (accepted_ <= ended_handshakes_) return;
      ++ended_handshakes_;
      ++failures_;
      if (handler_) {
        handler_({parts[1].to_string(),
                  "closed during the CURVE handshake (a frame over the socket's size limit, "
                  "the handshake time limit, or not a desaster peer)"});
      }
      return;
    default:
      break;
  }
  ++ended_handshakes_;
  ++failures_;
  if (handler_) handler_({parts[1].to_string(), describe_handshake_failure(event, value)});
}

HandshakeMonitor::HandshakeMonitor(uv_loop_t* loop, zmq::context_t& context, zmq::socket_t& watched,
                                   Handler handler)
    : impl_(new Impl(loop, context, watched, std::move(handler))) {}

HandshakeMonitor::~HandshakeMonitor() {
  close(nullptr);
}

Status HandshakeMonitor::start() {
  if (!impl_) return Status::error(ErrorCode::internal, "handshake monitor started after close()");
  return impl_->start();
}

void HandshakeMonitor::close(std::function<void()> done) {
  if (!impl_) return;
  Impl* impl = impl_;
  impl_ = nullptr;
  if (!impl->watcher_) {
    delete impl;
    if (done) done();
    return;
  }
  zmq_socket_monitor(impl->watched_, nullptr, 0);
  // The PAIR socket must outlive the watcher's handles.
  impl->watcher_->close([impl, done = std::move(done)] {
    delete impl;
    if (done) done();
  });
}

std::uint64_t HandshakeMonitor::failures() const {
  return impl_ ? impl_->failures_ : 0;
}

}  // namespace desaster
