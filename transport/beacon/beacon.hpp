// A beacon: the UDP datagram with which a node says "I am here, my peer
// traffic is on this TCP port" (ZRE's discovery beacon, authenticated).
//
// Layout of version 1, 40 bytes, integers big-endian:
//
//   offset size
//     0     4   magic "DSTR"
//     4     1   version (1)
//     5     1   flags: bit 0 = in a cluster (kBeaconFlagInCluster), bit 1 =
//               hello (kBeaconFlagHello); receivers ignore bits they do not
//               know, so a later v1 sender may set more
//     6    16   node id (the 32 hex digits of DATA_DIR/NODE_ID, as bytes)
//    22     2   TCP port of the node's peer traffic; 0 = the node is leaving
//    24    16   MAC: keyed BLAKE2b-128 (crypto_generichash, key = the group's
//               beacon MAC key) over bytes 0..23
//
// A beacon proves only that its sender holds the group key. It carries no
// sequence or time, so a recorded beacon can be replayed on the LAN: at worst
// that keeps a gone node in peer tables or announces a leave early, which
// discovery tolerates because failure detection belongs to Raft's heartbeats.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/status.hpp"

namespace desaster {

using NodeIdBytes = std::array<std::uint8_t, 16>;

inline constexpr std::array<std::uint8_t, 4> kBeaconMagic = {'D', 'S', 'T', 'R'};
inline constexpr std::uint8_t kBeaconVersion = 1;
inline constexpr std::size_t kBeaconMacSize = 16;
inline constexpr std::size_t kBeaconSignedSize = 24;  // everything before the MAC
inline constexpr std::size_t kBeaconSize = kBeaconSignedSize + kBeaconMacSize;
// Flag bits. In cluster: the sender is a member of a Raft cluster (or was
// one), so a fresh node that hears it waits to be added instead of
// bootstrapping a cluster of its own.
inline constexpr std::uint8_t kBeaconFlagInCluster = 0x01;
// Hello: the sender knows no peer yet (it just started, or a hot upgrade
// just started it), so hearers answer with a beacon of their own at once
// instead of at their next interval: a new process finds its peers, and can
// answer the Raft leader, in milliseconds rather than up to a second.
inline constexpr std::uint8_t kBeaconFlagHello = 0x02;

struct Beacon {
  NodeIdBytes node_id{};
  std::uint16_t tcp_port = 0;  // 0: leaving
  std::uint8_t flags = 0;

  bool leaving() const { return tcp_port == 0; }
  friend bool operator==(const Beacon&, const Beacon&) = default;
};

// NODE_ID's text form (32 hex digits, either case) to bytes and back
// (lower case).
Result<NodeIdBytes> node_id_from_hex(std::string_view hex);
std::string node_id_to_hex(const NodeIdBytes& id);

}  // namespace desaster
