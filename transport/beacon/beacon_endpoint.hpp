// Sends this node's beacons and listens for everyone else's, on a libuv loop.
//
// Two UDP handles: a receiver bound to the broadcast address (-b) on the
// beacon port with SO_REUSEADDR, so several nodes on one host share the port
// and each gets every broadcast (it falls back to 0.0.0.0 where the broadcast
// address cannot be bound); and a sender bound to the bind address (-a) with
// SO_BROADCAST, which sends the beacon to the broadcast address, at once on
// start() and then after each next_interval_ms(). Received datagrams are
// checked (beacon_codec.hpp), our own are ignored, the rest update the peer
// table; a peer found or left is reported to the handler. Silent peers are
// removed by a timer armed at the table's next deadline. close() sends a
// goodbye beacon (port 0) so peers drop us at once.
//
// Ownership: the endpoint owns its handles; their memory is freed in the last
// close callback. Callbacks run on the loop thread; the handler must not
// throw and may call close(). Destroying the endpoint without close() closes
// it (goodbye included) without a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <uv.h>

#include "core/model/status.hpp"
#include "transport/beacon/beacon_codec.hpp"
#include "transport/beacon/peer_table.hpp"

namespace desaster {

struct BeaconConfig {
  std::string bind_address = "0.0.0.0";               // -a: beacons leave from here
  std::string broadcast_address = "255.255.255.255";  // -b: and go to here
  std::uint16_t port = 2691;  // UDP port (-p); 0 takes a free one, read back with port()
  NodeIdBytes node_id{};
  std::uint16_t tcp_port = 0;  // what the beacon advertises; must not be 0
  std::uint64_t silence_timeout_ms = 5000;
  // The delay before each next beacon. The caller adds jitter here (say
  // 900..1100 ms) so nodes started together do not beacon in lockstep;
  // randomness stays out of this class. Unset: 1000 ms flat.
  std::function<std::uint64_t()> next_interval_ms;
  // The flags of each beacon, asked for every time one is sent (optional: 0).
  std::function<std::uint8_t()> flags;
  // Told of every datagram dropped, with its source and why (optional): the
  // node logs the first of each kind per source, so a misconfigured key
  // shows in the log without flooding it.
  std::function<void(const std::string& address, BeaconFault fault)> on_drop;
};

struct BeaconStats {
  std::uint64_t sent = 0;
  std::uint64_t send_errors = 0;  // the datagram could not be sent now; the next one will try
  std::uint64_t received = 0;     // valid beacons from other nodes
  std::uint64_t own = 0;          // our own beacons, heard back and ignored
  std::uint64_t receive_errors = 0;
};

class BeaconEndpoint {
 public:
  using PeerHandler = std::function<void(const PeerEvent& event)>;

  BeaconEndpoint(uv_loop_t* loop, BeaconConfig config, const SymmetricKey& mac_key,
                 PeerHandler handler);
  ~BeaconEndpoint();
  BeaconEndpoint(const BeaconEndpoint&) = delete;
  BeaconEndpoint& operator=(const BeaconEndpoint&) = delete;

  // Binds both sockets, sends the first beacon and starts the timers. An
  // error (bad address, port in use without SO_REUSEADDR, ...) says which
  // step failed; the endpoint must still be closed.
  Status start();

  // The UDP port the receiver is bound to (after start()), else 0.
  std::uint16_t port() const;

  // Sends a goodbye if started (and asked to: a hot upgrade's old process
  // is not leaving, its successor beacons already), stops, closes the
  // handles; done runs when they are closed. No handler call happens after
  // close(). Later calls do nothing.
  void close(std::function<void()> done, bool goodbye = true);

  // Empty after close().
  const PeerTable& peers() const;
  const BeaconDropCounters& drops() const;
  const BeaconStats& stats() const;

 private:
  struct Impl;
  Impl* impl_;  // freed in the last close callback
};

}  // namespace desaster
