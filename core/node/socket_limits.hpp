// What one connection to a node's listening sockets may cost before and after
// it authenticates. libzmq allocates a message as soon as it has read the
// frame header, so without ZMQ_MAXMSGSIZE a peer that has not even finished
// the CURVE handshake can make the node hold a gigabyte by announcing one and
// streaming bytes. With it, a frame larger than the socket's limit closes the
// connection unread, whoever sent it; ZMQ_HANDSHAKE_IVL closes connections
// that never complete the handshake.
#pragma once

#include <cstdint>

#include <zmq.hpp>

namespace desaster {

// Which of the node's listening sockets; each gets the limit its traffic needs.
enum class ListenSocket : std::uint8_t {
  client,    // the client API: one request per message, --max-request
  feed,      // the state feed PUB: it only receives subscriptions
  dispatch,  // peers (Raft, including whole snapshots) and workers
};

// A subscription is a topic prefix; ours are empty or a few bytes.
inline constexpr std::int64_t kMaxFeedInboundBytes = 4 << 10;
// Raft's appends are at most 1 MiB of ops, but a snapshot travels whole in one
// message, so this bounds the state a cluster can hand to a new member.
inline constexpr std::int64_t kMaxPeerMessageBytes = 512ll << 20;
// A peer that has not finished the CURVE handshake after this long is dropped.
inline constexpr int kHandshakeTimeoutMs = 5'000;

std::int64_t max_message_bytes(ListenSocket which, std::uint32_t max_request_bytes);

// Sets ZMQ_MAXMSGSIZE and ZMQ_HANDSHAKE_IVL; call before bind().
void limit_listen_socket(zmq::socket_t& socket, ListenSocket which,
                         std::uint32_t max_request_bytes);

}  // namespace desaster
