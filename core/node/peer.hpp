// Where a request came from and where its reply goes: a ROUTER socket's
// watcher and the routing id ZeroMQ gave the connection.
//
// A worker on a clustered node reaches the leader's dispatcher through its
// node's relay (core/node/worker_relay.*): then via_node and via_worker name
// it, and what is sent to it goes back through that relay, over the peer
// link (socket and routing_id are the link's connection) or, for the
// leader's own workers, in process (local).
#pragma once

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <zmq.hpp>

#include "transport/loop/zmq_watcher.hpp"
#include "transport/peer/relay_frame.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster {

namespace protocol {
// The msgpack encoding of {}: the body of replies that carry nothing.
inline constexpr std::string_view kEmptyMap{"\x80", 1};
}  // namespace protocol

// The leader's own relay, which takes frames for this node's workers
// without a socket in between.
class LocalDelivery {
 public:
  virtual void deliver(const std::string& worker, std::string frame) = 0;

 protected:
  ~LocalDelivery() = default;
};

struct Peer {
  ZmqWatcher* socket = nullptr;
  std::string routing_id;
  std::string via_node;    // relayed: the worker's node
  std::string via_worker;  // relayed: the worker's key on that node
  LocalDelivery* local = nullptr;

  bool relayed() const { return !via_node.empty(); }
  // A relayed worker is the same worker whichever link connection carries
  // it (a link that reconnects gets a new routing id).
  auto key() const {
    return relayed() ? std::tuple(static_cast<ZmqWatcher*>(nullptr), std::string_view(),
                                  std::string_view(via_node), std::string_view(via_worker))
                     : std::tuple(socket, std::string_view(routing_id), std::string_view(),
                                  std::string_view());
  }
  bool operator==(const Peer& other) const { return key() == other.key(); }
  bool operator<(const Peer& other) const { return key() < other.key(); }

  void send(std::string frame) const {
    if (local) {
      local->deliver(via_worker, std::move(frame));
      return;
    }
    std::vector<zmq::message_t> parts;
    parts.emplace_back(routing_id.data(), routing_id.size());
    if (relayed()) {
      parts.emplace_back(kRelayFrameTag.data(), kRelayFrameTag.size());
      parts.emplace_back(via_node.data(), via_node.size());
      parts.emplace_back(via_worker.data(), via_worker.size());
    }
    parts.emplace_back(frame.data(), frame.size());
    socket->send(std::move(parts));
  }
  void reply(std::uint64_t request_id, const Status& status, std::string_view body) const {
    send(protocol::encode_reply(request_id, status, body));
  }
};

}  // namespace desaster
