// Tells a client, while it waits for a reply, that the node keeps refusing
// its CURVE handshake, or that nothing accepts its TCP connection, so a wrong
// group key and a node that is not running are errors within a fraction of a
// second instead of a timeout with no reason.
//
// libzmq reports handshake results only through a socket monitor: an
// inproc PAIR that receives an event per connection attempt. The watch
// owns that PAIR; Connection polls it beside the DEALER.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "core/model/status.hpp"

namespace desaster {

class HandshakeWatch {
 public:
  // Two refusals in a row, one reconnect apart, rule out a node that was
  // merely restarting during the first attempt.
  static constexpr int kRefusalsBeforeGivingUp = 2;

  // Starts monitoring `socket` (call before it connects).
  static Result<HandshakeWatch> start(zmq::context_t& context, zmq::socket_t& socket);
  HandshakeWatch() = default;  // watches nothing (Result needs a default)
  HandshakeWatch(HandshakeWatch&&) = default;
  HandshakeWatch& operator=(HandshakeWatch&&) = default;

  struct Failure {
    bool nothing_listens = false;  // TCP connects were refused; else the handshake was
    std::string reason;
  };

  void* pollable() { return pair_.handle(); }
  // Reads the events that arrived. Returns why once the handshake failed, or
  // (before any connection was made) the TCP connect was refused,
  // kRefusalsBeforeGivingUp times without a success in between, and starts
  // counting afresh.
  std::optional<Failure> drain();
  // Whether a TCP connection was ever made (to tell a slow node from an
  // unreachable one when a request times out).
  bool ever_connected() const { return ever_connected_; }
  // Connections the node closed so far (a restart, or a hot upgrade's old
  // process going), as drain() has read them.
  std::uint64_t disconnects() const { return disconnects_; }

 private:
  explicit HandshakeWatch(zmq::socket_t pair) : pair_(std::move(pair)) {}
  zmq::socket_t pair_;
  int refusals_in_a_row_ = 0;
  int connects_refused_in_a_row_ = 0;
  bool ever_connected_ = false;
  std::uint64_t disconnects_ = 0;
  std::string last_reason_;
};

}  // namespace desaster
