// The peers a node has heard beacons from: node id -> (address, TCP port,
// last seen). Pure: beacons and the time come in as arguments, events go out
// as return values, so tests drive it with a fake clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "transport/beacon/beacon.hpp"

namespace desaster {

struct BeaconPeer {
  NodeIdBytes node_id{};
  std::string address;  // the beacon's source IP, as text
  std::uint16_t tcp_port = 0;
  std::uint64_t last_seen_ms = 0;
  std::uint8_t flags = 0;  // of its latest beacon (kBeaconFlagInCluster, ...)
};

enum class PeerLeft : std::uint8_t {
  said_goodbye,  // a beacon with port 0
  went_silent,   // no beacon for longer than the silence timeout
  moved,         // beacons now come from another address or name another port;
                 // a found event for the new place follows at once
};
const char* to_string(PeerLeft reason);

struct PeerEvent {
  enum class Kind : std::uint8_t { found, left };
  Kind kind;
  BeaconPeer peer;
  PeerLeft reason = PeerLeft::said_goodbye;  // when kind == left
};

class PeerTable {
 public:
  explicit PeerTable(std::uint64_t silence_timeout_ms) : silence_timeout_ms_(silence_timeout_ms) {}

  // Takes a valid beacon from another node, received from `address` at
  // `now_ms`. Returns the events it causes (none for a known peer in the
  // same place, found for a new one, left then found for one that moved,
  // left for a goodbye from a known peer).
  std::vector<PeerEvent> observe(const Beacon& beacon, const std::string& address,
                                 std::uint64_t now_ms);

  // Removes the peers silent for longer than the timeout at `now_ms`.
  std::vector<PeerEvent> expire(std::uint64_t now_ms);

  // When the next peer would go silent, if any peer is known.
  std::optional<std::uint64_t> next_deadline() const;

  const std::map<NodeIdBytes, BeaconPeer>& peers() const { return peers_; }
  std::size_t size() const { return peers_.size(); }

 private:
  std::uint64_t silence_timeout_ms_;
  std::map<NodeIdBytes, BeaconPeer> peers_;
};

}  // namespace desaster
