// Per-socket message limits; see socket_limits.hpp.
#include "core/node/socket_limits.hpp"

namespace desaster {

std::int64_t max_message_bytes(ListenSocket which, std::uint32_t max_request_bytes) {
  switch (which) {
    case ListenSocket::client:
      return max_request_bytes;
    case ListenSocket::feed:
      return kMaxFeedInboundBytes;
    case ListenSocket::dispatch:
      return kMaxPeerMessageBytes;
  }
  return max_request_bytes;
}

void limit_listen_socket(zmq::socket_t& socket, ListenSocket which,
                         std::uint32_t max_request_bytes) {
  socket.set(zmq::sockopt::maxmsgsize, max_message_bytes(which, max_request_bytes));
  socket.set(zmq::sockopt::handshake_ivl, kHandshakeTimeoutMs);
}

}  // namespace desaster
