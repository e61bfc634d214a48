// HandshakeWatch: libzmq monitor events on the client's side; see
// handshake_watch.hpp.
#include "transport/client/handshake_watch.hpp"

#include <atomic>
#include <cstring>

#include "transport/security/handshake_monitor.hpp"

namespace desaster {

namespace {

constexpr int kEvents = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                        ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                        ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED;

std::string watch_endpoint() {
  static std::atomic<std::uint64_t> next{0};
  return "inproc://desaster.client-handshake." + std::to_string(next++);
}

std::string describe(int event, std::uint32_t value) {
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
    return "the node's authenticator refused this key (status " + std::to_string(value) + ")";
  }
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
    // What a client sees when the node cannot open its HELLO: the node
    // hangs up in the middle of the CURVE handshake.
    return "the node closed the connection during the CURVE handshake";
  }
  return describe_handshake_failure(event, value);
}

}  // namespace

Result<HandshakeWatch> HandshakeWatch::start(zmq::context_t& context, zmq::socket_t& socket) {
  const std::string endpoint = watch_endpoint();
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), kEvents) != 0) {
    return Status::error(ErrorCode::internal,
                         std::string("cannot monitor the handshake: ") + zmq_strerror(zmq_errno()));
  }
  try {
    zmq::socket_t pair(context, zmq::socket_type::pair);
    pair.set(zmq::sockopt::linger, 0);
    pair.connect(endpoint);
    return HandshakeWatch(std::move(pair));
  } catch (const zmq::error_t& e) {
    return Status::error(ErrorCode::internal,
                         std::string("cannot watch the handshake: ") + e.what());
  }
}

std::optional<HandshakeWatch::Failure> HandshakeWatch::drain() {
  for (;;) {
    // An event is two frames: 2 bytes event, 4 bytes value; then the endpoint.
    zmq::message_t head;
    if (zmq_msg_recv(head.handle(), pair_.handle(), ZMQ_DONTWAIT) < 0) break;
    zmq::message_t endpoint;
    if (head.more()) zmq_msg_recv(endpoint.handle(), pair_.handle(), ZMQ_DONTWAIT);
    if (head.size() < 6) continue;
    std::uint16_t event = 0;
    std::uint32_t value = 0;
    std::memcpy(&event, head.data(), sizeof event);
    std::memcpy(&value, static_cast<const char*>(head.data()) + 2, sizeof value);
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      refusals_in_a_row_ = 0;
      continue;
    }
    if (event == ZMQ_EVENT_CONNECTED) {
      ever_connected_ = true;
      connects_refused_in_a_row_ = 0;
      continue;
    }
    if (event == ZMQ_EVENT_DISCONNECTED) {
      ++disconnects_;
      continue;
    }
    if (event == ZMQ_EVENT_CONNECT_RETRIED) {
      // libzmq retries after every failed connect (and after a connection
      // it had dropped); only retries with no connection between them
      // mean that nothing accepts connections there.
      ++connects_refused_in_a_row_;
      continue;
    }
    ++refusals_in_a_row_;
    last_reason_ = describe(event, value);
  }
  if (refusals_in_a_row_ >= kRefusalsBeforeGivingUp) {
    refusals_in_a_row_ = 0;
    return Failure{false, last_reason_};
  }
  // Once connected, a refused reconnect is most likely the node restarting:
  // the request waits for it, up to its timeout, as it always did.
  if (!ever_connected_ && connects_refused_in_a_row_ >= kRefusalsBeforeGivingUp) {
    connects_refused_in_a_row_ = 0;
    return Failure{true, "nothing accepts connections there (connection refused)"};
  }
  return std::nullopt;
}

}  // namespace desaster
