// The peer table; see peer_table.hpp.
#include "transport/beacon/peer_table.hpp"

namespace desaster {

const char* to_string(PeerLeft reason) {
  switch (reason) {
    case PeerLeft::said_goodbye:
      return "said goodbye";
    case PeerLeft::went_silent:
      return "went silent";
    case PeerLeft::moved:
      return "moved";
  }
  return "unknown";
}

std::vector<PeerEvent> PeerTable::observe(const Beacon& beacon, const std::string& address,
                                          std::uint64_t now_ms) {
  std::vector<PeerEvent> events;
  auto it = peers_.find(beacon.node_id);
  if (beacon.leaving()) {
    if (it != peers_.end()) {
      events.push_back({PeerEvent::Kind::left, it->second, PeerLeft::said_goodbye});
      peers_.erase(it);
    }
    return events;
  }
  if (it != peers_.end()) {
    BeaconPeer& known = it->second;
    if (known.address == address && known.tcp_port == beacon.tcp_port) {
      known.last_seen_ms = now_ms;
      known.flags = beacon.flags;
      return events;
    }
    events.push_back({PeerEvent::Kind::left, known, PeerLeft::moved});
    peers_.erase(it);
  }
  BeaconPeer peer{beacon.node_id, address, beacon.tcp_port, now_ms, beacon.flags};
  peers_.emplace(beacon.node_id, peer);
  events.push_back({PeerEvent::Kind::found, std::move(peer)});
  return events;
}

std::vector<PeerEvent> PeerTable::expire(std::uint64_t now_ms) {
  std::vector<PeerEvent> events;
  for (auto it = peers_.begin(); it != peers_.end();) {
    // Compared as a sum: last_seen may be later than now_ms (a beacon taken
    // after the caller read its clock) and must not wrap around.
    if (now_ms > it->second.last_seen_ms + silence_timeout_ms_) {
      events.push_back({PeerEvent::Kind::left, it->second, PeerLeft::went_silent});
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
  return events;
}

std::optional<std::uint64_t> PeerTable::next_deadline() const {
  std::optional<std::uint64_t> earliest;
  for (const auto& [id, peer] : peers_) {
    const std::uint64_t deadline = peer.last_seen_ms + silence_timeout_ms_ + 1;
    if (!earliest || deadline < *earliest) earliest = deadline;
  }
  return earliest;
}

}  // namespace desaster
