// The DEALER behind Client and Worker; see connection.hpp.
#include "transport/client/connection.hpp"

#include <cerrno>

#include "transport/security/curve_socket.hpp"
#include "transport/security/key_source.hpp"

namespace desaster {

namespace {

Status unavailable(std::string message) {
  return Status::error(ErrorCode::unavailable, std::move(message));
}

std::string zmq_reason() {
  return zmq_strerror(zmq_errno());
}

}  // namespace

Connection::Connection(std::string endpoint, const GroupKeys& keys)
    : endpoint_(std::move(endpoint)), keys_(keys) {}

Connection::~Connection() = default;

Status Connection::open() {
  try {
    zmq::socket_t socket(context_, zmq::socket_type::dealer);
    // A request that never left must not be delivered after we gave up.
    socket.set(zmq::sockopt::linger, 0);
    if (Status s = make_curve_client(socket, keys_, CurveIdentity::client); !s.ok()) return s;
    Result<HandshakeWatch> watch = HandshakeWatch::start(context_, socket);
    if (!watch.ok()) return watch.status();
    socket.connect(endpoint_);
    socket_ = std::move(socket);
    watch_ = std::move(watch.value());
    return Status::success();
  } catch (const zmq::error_t& e) {
    return Status::error(ErrorCode::bad_request,
                         "cannot connect to '" + endpoint_ + "': " + e.what());
  }
}

Status Connection::reopen() {
  watch_.reset();
  socket_.reset();
  return open();
}

Connection::Deadline Connection::deadline_after(std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) return std::nullopt;
  return Clock::now() + timeout;
}

Result<std::uint64_t> Connection::send(protocol::RequestBody body) {
  if (!socket_) return unavailable("not connected to " + endpoint_);
  protocol::Request request{next_id_++, std::move(body)};
  if (Status sent = send_frame(protocol::encode_request(request)); !sent.ok()) return sent;
  return request.id;
}

Status Connection::send_frame(const std::string& frame) {
  // The pipe to the node takes a thousand messages before it pushes back;
  // more than that pending means the node is not reading.
  while (zmq_send(socket_->handle(), frame.data(), frame.size(), ZMQ_DONTWAIT) < 0) {
    if (zmq_errno() == EINTR) continue;
    return unavailable("cannot send to " + endpoint_ + ": " + zmq_reason());
  }
  return Status::success();
}

Result<std::optional<protocol::Reply>> Connection::receive(Deadline deadline) {
  return receive_or_drop(deadline, nullptr);
}

Result<std::optional<protocol::Reply>> Connection::receive_or_drop(Deadline deadline,
                                                                   std::uint64_t* disconnects) {
  if (!socket_) return unavailable("not connected to " + endpoint_);
  bool dropped = false;
  for (;;) {
    zmq::message_t message;
    if (zmq_msg_recv(message.handle(), socket_->handle(), ZMQ_DONTWAIT) >= 0) {
      // One frame per message; skip any extra parts a confused peer added.
      while (message.more()) {
        zmq::message_t next;
        if (zmq_msg_recv(next.handle(), socket_->handle(), ZMQ_DONTWAIT) < 0) break;
        message = std::move(next);
      }
      Result<protocol::Reply> reply = protocol::decode_reply(
          std::string_view(static_cast<const char*>(message.data()), message.size()));
      if (!reply.ok()) {
        return Status::error(ErrorCode::internal,
                             "undecodable reply from " + endpoint_ + ": " + reply.status().message);
      }
      return std::optional<protocol::Reply>(std::move(reply.value()));
    }
    if (zmq_errno() != EAGAIN && zmq_errno() != EINTR) {
      return unavailable("cannot receive from " + endpoint_ + ": " + zmq_reason());
    }
    // A reply that came before the connection closed was taken above.
    if (dropped) return std::optional<protocol::Reply>();
    long wait_ms = -1;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
      if (left.count() <= 0) return std::optional<protocol::Reply>();
      wait_ms = static_cast<long>(left.count());
    }
    zmq_pollitem_t items[2] = {{socket_->handle(), 0, ZMQ_POLLIN, 0},
                               {watch_->pollable(), 0, ZMQ_POLLIN, 0}};
    if (zmq_poll(items, 2, wait_ms) < 0 && zmq_errno() != EINTR) {
      return unavailable("cannot poll " + endpoint_ + ": " + zmq_reason());
    }
    if (items[1].revents & ZMQ_POLLIN) {
      if (std::optional<HandshakeWatch::Failure> failure = watch_->drain()) {
        if (failure->nothing_listens) {
          return unavailable("cannot connect to " + endpoint_ + ": " + failure->reason +
                             "; is the node running, and on this port?");
        }
        return refused(failure->reason);
      }
      if (disconnects && watch_->disconnects() != *disconnects) {
        *disconnects = watch_->disconnects();
        dropped = true;
      }
    }
  }
}

Status Connection::refused(const std::string& reason) const {
  return Status::error(ErrorCode::unavailable, endpoint_ + " refused this client: " + reason +
                                                   ". Is the group key the node's? (-k or " +
                                                   kGroupKeyEnvironment + ")");
}

Result<protocol::Reply> Connection::call(protocol::RequestBody body,
                                         std::chrono::milliseconds timeout,
                                         const std::function<void(protocol::Reply&)>& on_other) {
  if (!socket_) return unavailable("not connected to " + endpoint_);
  // Closes seen before this request are not its concern (a refusal found
  // meanwhile is, as it would be while waiting).
  if (std::optional<HandshakeWatch::Failure> failure = watch_->drain()) {
    if (failure->nothing_listens) {
      return unavailable("cannot connect to " + endpoint_ + ": " + failure->reason +
                         "; is the node running, and on this port?");
    }
    return refused(failure->reason);
  }
  std::uint64_t disconnects = watch_->disconnects();
  const protocol::Request request{next_id_++, std::move(body)};
  const std::string sent_frame = protocol::encode_request(request);
  if (Status sent = send_frame(sent_frame); !sent.ok()) return sent;
  const std::uint64_t id = request.id;
  const Deadline deadline = deadline_after(timeout);
  int resends = 0;
  for (;;) {
    Result<std::optional<protocol::Reply>> frame = receive_or_drop(deadline, &disconnects);
    if (!frame.ok()) return frame.status();
    const bool timed_out = deadline && Clock::now() >= *deadline;
    if (!frame.value() && !timed_out && resends < kMaxResends) {
      // The node closed the connection with this request unanswered:
      // ZeroMQ reconnects and sends it again then.
      ++resends;
      if (Status sent = send_frame(sent_frame); !sent.ok()) return sent;
      continue;
    }
    if (!frame.value()) {
      // Start clean: the request may still sit in the socket, and should not
      // reach the node after the caller was told it failed.
      const bool connected = watch_ && watch_->ever_connected();
      reopen();
      if (!connected) {
        return unavailable("no connection to " + endpoint_ + " within " +
                           std::to_string(timeout.count()) +
                           " ms: the host does not answer (down, or a firewall drops the "
                           "packets?)");
      }
      return unavailable("no reply from " + endpoint_ + " within " +
                         std::to_string(timeout.count()) +
                         " ms: the node accepted the connection but did not answer in time "
                         "(busy or stopped?); try again or raise the timeout");
    }
    protocol::Reply& reply = **frame;
    if (reply.id == id) return std::move(reply);
    if (on_other) on_other(reply);
  }
}

}  // namespace desaster
