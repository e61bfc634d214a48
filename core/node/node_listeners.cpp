// The node's CURVE keys, its ZAP handler and its three ZeroMQ listeners
// (client, state feed, dispatch), taken over from an old process at a hot
// upgrade when there is one.
#include "core/node/node_impl.hpp"

namespace desaster {

namespace {

constexpr int kSocketHighWaterMark = 100'000;

// A listener's name on the hot upgrade's channel (one word).
const char* listener_name(ListenSocket which) {
  switch (which) {
    case ListenSocket::client:
      return "client";
    case ListenSocket::feed:
      return "feed";
    default:
      return "dispatch";
  }
}

}  // namespace

// The group key gives the CURVE keys (Argon2id: a fraction of a second, once).
// The ZAP handler must answer before the first socket binds: without one,
// libzmq 4.3 lets any CURVE client in.
Status Node::Impl::start_security() {
  group_key = resolve_group_key(options.group_key);
  Result<const GroupKeys*> derived = group_keys(group_key);
  if (!derived.ok()) return derived.status();
  keys = *derived;
  zap = std::make_unique<ZapHandler>(&loop, context, *keys, [this](const ZapRefusal& refusal) {
    refusals.note(refusal.mechanism + " " + refusal.reason, refusal.address, wall_clock_ms());
  });
  if (Status s = zap->start(); !s.ok()) return s;
  if (group_key == kDefaultGroupKey && options.bind_address.rfind("127.", 0) != 0) {
    log.warn("protected mode: running with the default group key on " + options.bind_address +
             ", so this node serves clients on its own machine only; give every node and "
             "client a key of your own (-k or " +
             kGroupKeyEnvironment + ")");
    if (!options.standalone) {
      log.warn(
          "THIS CLUSTER IS OPEN TO THE LAN: with the public default key any machine that "
          "can reach port " +
          std::to_string(options.port + 2) +
          " can join as a node and run jobs; set a key of your own (-k or " + kGroupKeyEnvironment +
          ")");
    }
  }
  return {};
}

void Node::Impl::close_security(std::function<void()> done) {
  client_monitor->close([this, done = std::move(done)]() mutable {
    dispatch_monitor->close([this, done = std::move(done)]() mutable {
      feed_monitor->close(
          [this, done = std::move(done)]() mutable { zap->close(std::move(done)); });
    });
  });
}

Status Node::Impl::bind_sockets() {
  auto bind = [this](std::optional<zmq::socket_t>& socket,
                     std::unique_ptr<HandshakeMonitor>& monitor, std::uint16_t port,
                     const char* what, zmq::socket_type type, ListenSocket which) -> Status {
    const std::string endpoint =
        "tcp://" + listen_address(which, options.bind_address, group_key == kDefaultGroupKey) +
        ":" + std::to_string(port);
    try {
      socket.emplace(context, type);
      socket->set(zmq::sockopt::linger, 0);
      socket->set(zmq::sockopt::sndhwm, kSocketHighWaterMark);
      socket->set(zmq::sockopt::rcvhwm, kSocketHighWaterMark);
      limit_listen_socket(*socket, which, options.max_request_bytes);
      if (Status s = make_curve_server(*socket, *keys); !s.ok()) return s;
      monitor = std::make_unique<HandshakeMonitor>(
          &loop, context, *socket, [this](const HandshakeFailure& failure) {
            refusals.note(failure.reason, "a peer on " + failure.endpoint, wall_clock_ms());
          });
      if (Status s = monitor->start(); !s.ok()) return s;
      Result<int> fd = listeners->for_zmq(
          listener_name(which),
          listen_address(which, options.bind_address, group_key == kDefaultGroupKey), port);
      if (!fd.ok()) {
        if (fd.status().code != ErrorCode::unavailable) return fd.status();
        errno = EADDRINUSE;
        throw zmq::error_t();
      }
      if (*fd >= 0) socket->set(zmq::sockopt::use_fd, *fd);
      socket->bind(endpoint);
      bound_endpoints[listener_name(which)] = endpoint;
    } catch (const zmq::error_t& e) {
      if (e.num() == EADDRINUSE) {
        return Status::error(
            ErrorCode::unavailable,
            std::string(what) + " port " + std::to_string(port) + " on " +
                listen_address(which, options.bind_address, group_key == kDefaultGroupKey) +
                " is in use (another desaster on this port? try -p)");
      }
      return Status::error(ErrorCode::unavailable,
                           std::string("cannot bind ") + what + " " + endpoint + ": " + e.what());
    }
    return {};
  };
  if (Status s = bind(client_socket, client_monitor, options.port, "client",
                      zmq::socket_type::router, ListenSocket::client);
      !s.ok())
    return s;
  if (Status s = bind(feed_socket, feed_monitor, static_cast<std::uint16_t>(options.port + 1),
                      "state feed", zmq::socket_type::pub, ListenSocket::feed);
      !s.ok())
    return s;
  return bind(dispatch_socket, dispatch_monitor, static_cast<std::uint16_t>(options.port + 2),
              "dispatch", zmq::socket_type::router, ListenSocket::dispatch);
}

}  // namespace desaster
