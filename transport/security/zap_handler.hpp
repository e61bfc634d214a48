// The ZAP handler of a ZeroMQ context, driven by a libuv loop.
//
// libzmq asks the REP socket bound to inproc://zeromq.zap.01 in the same
// context about every peer that connects to a socket with a ZAP domain (all
// our CURVE servers, curve_socket.hpp). This handler answers with the
// group's rule (zap_request.hpp) and reports every refusal, with the peer's
// address and the reason, to a callback: the node logs it. Without a
// handler bound, libzmq 4.3 would let any CURVE client that knows the server
// key in, so the node starts one before it binds anything.
//
// Peers that do not even speak CURVE (a NULL-mechanism client) are refused
// by libzmq at the handshake, before any ZAP request; they never reach this
// handler (see ARCHITECTURE.md, Security).
//
// Ownership: the handler owns its REP socket; the context must outlive
// close()'s callback. Callbacks run on the loop thread and must not throw.
// Destroying it without close() closes it without a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <uv.h>
#include <zmq.hpp>

#include "core/model/status.hpp"
#include "transport/security/group_keys.hpp"

namespace desaster {

struct ZapRefusal {
  std::string address;    // the peer's IP address
  std::string mechanism;  // what it tried
  std::string reason;     // "unknown key ... (another group key?)"
};

class ZapHandler {
 public:
  using RefusalHandler = std::function<void(const ZapRefusal& refusal)>;

  // `keys` must outlive the handler (group_keys() results live until exit).
  ZapHandler(uv_loop_t* loop, zmq::context_t& context, const GroupKeys& keys,
             RefusalHandler on_refusal);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  // Binds the ZAP endpoint and starts answering. Fails when the context
  // already has a ZAP handler.
  Status start();

  // Stops answering and closes the socket; done runs when it is closed.
  // Later calls do nothing.
  void close(std::function<void()> done);

  std::uint64_t accepted() const;
  std::uint64_t refused() const;

 private:
  struct Impl;
  Impl* impl_;  // freed in the close callback
};

}  // namespace desaster
