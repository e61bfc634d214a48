// Where a request came from and where its reply goes: a ROUTER socket's
// watcher and the routing id ZeroMQ gave the connection.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <zmq.hpp>

#include "transport/loop/zmq_watcher.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster {

namespace protocol {
// The msgpack encoding of {}: the body of replies that carry nothing.
inline constexpr std::string_view kEmptyMap{"\x80", 1};
}  // namespace protocol

struct Peer {
  ZmqWatcher* socket = nullptr;
  std::string routing_id;

  bool operator==(const Peer& other) const {
    return socket == other.socket && routing_id == other.routing_id;
  }
  bool operator<(const Peer& other) const {
    return std::pair(socket, routing_id) < std::pair(other.socket, other.routing_id);
  }

  void send(std::string frame) const {
    std::vector<zmq::message_t> parts;
    parts.emplace_back(routing_id.data(), routing_id.size());
    parts.emplace_back(frame.data(), frame.size());
    socket->send(std::move(parts));
  }
  void reply(std::uint64_t request_id, const Status& status, std::string_view body) const {
    send(protocol::encode_reply(request_id, status, body));
  }
};

}  // namespace desaster
