// Reports the peers a CURVE server socket refuses before ZAP is asked.
//
// The ZAP handler (zap_handler.hpp) only hears of peers that completed the
// CURVE handshake far enough to show a client key. A peer of another group
// encrypts its HELLO to another server key, and a plain (NULL) peer speaks
// no CURVE at all; libzmq drops both during the handshake. This monitor
// (zmq_socket_monitor on an inproc PAIR, driven by the libuv loop) turns
// those handshake failures into reports with a reason. libzmq 4.3's stable
// monitor names only our own endpoint, not the peer's address (that needs
// the draft API Debian does not build), so a report says where and why, but
// not who.
//
// Ownership: the monitor owns its PAIR socket; close it before the watched
// socket and before the context. Callbacks run on the loop thread and must
// not throw.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <uv.h>
#include <zmq.hpp>

#include "core/model/status.hpp"

namespace desaster {

struct HandshakeFailure {
  std::string endpoint;  // our endpoint the peer came to, e.g. tcp://127.0.0.1:2691
  std::string reason;    // "peer speaks no CURVE (mechanism mismatch)", ...
};

// The reason text for a ZMQ_EVENT_HANDSHAKE_FAILED_* event and its value.
std::string describe_handshake_failure(int event, std::uint32_t value);

class HandshakeMonitor {
 public:
  using Handler = std::function<void(const HandshakeFailure& failure)>;

  HandshakeMonitor(uv_loop_t* loop, zmq::context_t& context, zmq::socket_t& watched,
                   Handler handler);
  ~HandshakeMonitor();
  HandshakeMonitor(const HandshakeMonitor&) = delete;
  HandshakeMonitor& operator=(const HandshakeMonitor&) = delete;

  // Starts monitoring the watched socket. Call before it binds, so that no
  // early peer goes unreported.
  Status start();

  // Stops monitoring and closes the PAIR socket; done runs when it is closed.
  void close(std::function<void()> done);

  std::uint64_t failures() const;

 private:
  struct Impl;
  Impl* impl_;  // freed in the close callback
};

}  // namespace desaster
