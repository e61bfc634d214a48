// One DEALER to a node, shared by Client and Worker: request ids, framing,
// and waiting for a reply with a deadline. Not thread-safe: its owner
// serializes every call.
//
// Request ids only ever go up, across reopen() too, so a reply that arrives
// after its request gave up can never be taken for a later one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "core/model/status.hpp"
#include "transport/client/handshake_watch.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/security/group_keys.hpp"

namespace desaster {

class Connection {
 public:
  using Clock = std::chrono::steady_clock;
  using Deadline = std::optional<Clock::time_point>;  // nullopt: wait without limit

  // keys: the group's keys (group_keys.hpp); the connection speaks CURVE
  // with the group's client keypair, as every node requires.
  Connection(std::string endpoint, const GroupKeys& keys);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Creates the socket and connects (ZeroMQ connects in the background, so
  // this fails only for a malformed endpoint). A node that refuses the
  // handshake (another group key) shows later, as receive()'s error.
  Status open();
  // Drops the socket with whatever is queued in it and connects afresh.
  Status reopen();
  const std::string& endpoint() const { return endpoint_; }

  // Sends a request with the next id and returns that id.
  Result<std::uint64_t> send(protocol::RequestBody body);
  // One incoming frame, decoded; nullopt when none came before the deadline.
  Result<std::optional<protocol::Reply>> receive(Deadline deadline);
  // Sends body and waits for the reply with its id. Frames that are not that
  // reply (pushes, replies to earlier requests) go to on_other if given. On
  // timeout the socket is reopened and the error is unavailable:
  // "no reply from tcp://... within 10000 ms".
  //
  // When the node closes the connection while the reply is awaited, the
  // request is sent again (same id, up to kMaxResends times), once ZeroMQ has
  // reconnected: a node closes a connection with a request unanswered when
  // it stops without reading it (a hot upgrade's old process: what it read
  // it answered before going, so nothing runs twice) or when it crashes, and
  // then an unanswered write may have been applied and be applied again.
  Result<protocol::Reply> call(protocol::RequestBody body, std::chrono::milliseconds timeout,
                               const std::function<void(protocol::Reply&)>& on_other = {});

  static Deadline deadline_after(std::chrono::milliseconds timeout);  // 0: none
  static constexpr int kMaxResends = 3;

 private:
  Status refused(const std::string& reason) const;
  Status send_frame(const std::string& frame);
  // receive(), but returns nothing early when the node closed the connection
  // since *disconnects (then updated).
  Result<std::optional<protocol::Reply>> receive_or_drop(Deadline deadline,
                                                         std::uint64_t* disconnects);

  std::string endpoint_;
  const GroupKeys& keys_;
  zmq::context_t context_;
  std::optional<zmq::socket_t> socket_;
  std::optional<HandshakeWatch> watch_;  // closed before socket_
  std::uint64_t next_id_ = 1;
};

}  // namespace desaster
