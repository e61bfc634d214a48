#include "core/node/discovery.hpp"

#include <random>
#include <set>

namespace desaster {

namespace {

// 900..1100 ms, so nodes started together do not beacon in lockstep.
std::function<std::uint64_t()> jittered_second() {
  auto engine = std::make_shared<std::minstd_rand>(std::random_device{}());
  return [engine] { return 900 + (*engine)() % 201; };
}

std::string short_id(const NodeIdBytes& id) {
  return node_id_to_hex(id).substr(0, 8);
}

DiscoveredPeer to_discovered(const BeaconPeer& peer) {
  return {node_id_to_hex(peer.node_id), peer.address, peer.tcp_port, peer.last_seen_ms,
          (peer.flags & kBeaconFlagInCluster) != 0};
}

}  // namespace

Discovery::Discovery(uv_loop_t* loop, DiscoveryOptions options, const GroupKeys& keys, Logger& log,
                     PeerHandler on_peer)
    : log_(log), on_peer_(std::move(on_peer)) {
  BeaconConfig config;
  config.bind_address = options.bind_address;
  config.broadcast_address = options.broadcast_address;
  config.port = options.beacon_port;
  config.tcp_port = options.peer_port;
  if (auto id = node_id_from_hex(options.node_id); id.ok()) config.node_id = *id;
  config.next_interval_ms = jittered_second();
  config.flags = std::move(options.flags);
  config.on_drop = [this](const std::string& address, BeaconFault fault) {
    if (!drops_logged_.insert(address + "/" + to_string(fault)).second) return;
    log_.warn("beacons dropped from " + address + ": " + to_string(fault) +
              "; further ones are counted, not logged");
  };
  endpoint_ = std::make_unique<BeaconEndpoint>(
      loop, std::move(config), keys.beacon_mac_key, [this](const PeerEvent& event) {
        const std::string who = "peer " + short_id(event.peer.node_id);
        if (event.kind == PeerEvent::Kind::found) {
          log_.info(who + " found at " + event.peer.address + ":" +
                    std::to_string(event.peer.tcp_port));
        } else {
          log_.info(who + " left (" + to_string(event.reason) + ")");
        }
        if (on_peer_) on_peer_(to_discovered(event.peer), event.kind == PeerEvent::Kind::found);
      });
}

Discovery::~Discovery() = default;

Status Discovery::start() {
  return endpoint_->start();
}

void Discovery::close(std::function<void()> done, bool goodbye) {
  endpoint_->close(std::move(done), goodbye);
}

std::vector<DiscoveredPeer> Discovery::peers() const {
  std::vector<DiscoveredPeer> result;
  for (const auto& [id, peer] : endpoint_->peers().peers()) result.push_back(to_discovered(peer));
  return result;
}

std::uint64_t Discovery::dropped() const {
  return endpoint_->drops().total();
}

}  // namespace desaster
