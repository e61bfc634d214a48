// Zero-config discovery for a clustered node: beacons out, the peer table
// in, one log line per peer found or lost. Discovery is all beacons do --
// whether a peer is alive for the cluster is Raft's heartbeats' business --
// so the table only tells the node who is out there to talk to.
//
// Threading: loop thread only. close() before destroying; done runs when the
// goodbye beacon is out and the handles are closed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <uv.h>

#include "core/model/status.hpp"
#include "core/node/log.hpp"
#include "transport/beacon/beacon_endpoint.hpp"
#include "transport/security/group_keys.hpp"

namespace desaster {

struct DiscoveryOptions {
  std::string bind_address;             // -a: beacons leave from here
  std::string broadcast_address;        // -b: and go here
  std::uint16_t beacon_port = 0;        // -p (UDP)
  std::uint16_t peer_port = 0;          // the TCP port peers reach us on (-p + 2)
  std::string node_id;                  // 32 hex digits
  std::function<std::uint8_t()> flags;  // of each beacon sent (kBeaconFlag*)
};

// What `desasterctl nodes` shows of a peer.
struct DiscoveredPeer {
  std::string node_id;  // 32 hex digits
  std::string address;
  std::uint16_t peer_port = 0;
  std::uint64_t last_seen_ms = 0;
  bool in_cluster = false;  // its beacons say it is a member of a cluster
};

class Discovery {
 public:
  // Told of each peer found (found = true) or gone (said goodbye, went
  // silent, moved; a found event for the new place follows a move).
  using PeerHandler = std::function<void(const DiscoveredPeer& peer, bool found)>;

  Discovery(uv_loop_t* loop, DiscoveryOptions options, const GroupKeys& keys, Logger& log,
            PeerHandler on_peer = {});
  ~Discovery();

  Status start();
  // goodbye: false when a hot upgrade's new process takes this node's place.
  void close(std::function<void()> done, bool goodbye = true);

  std::vector<DiscoveredPeer> peers() const;
  // Datagrams dropped (bad size, magic, version or MAC), for stats.
  std::uint64_t dropped() const;

 private:
  Logger& log_;
  PeerHandler on_peer_;
  std::set<std::string> drops_logged_;  // "address/fault" already logged once
  std::unique_ptr<BeaconEndpoint> endpoint_;
};

}  // namespace desaster
