// Encoding and checking beacons (layout in beacon.hpp). Pure: bytes and a
// key in, bytes or a verdict out; no sockets, no clock.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "transport/beacon/beacon.hpp"
#include "transport/security/group_keys.hpp"

namespace desaster {

// Why a datagram was not taken as a beacon, in the order decode checks.
enum class BeaconFault : std::uint8_t {
  none = 0,
  bad_size,     // shorter than a header, or not the size of its version
  bad_magic,    // not "DSTR": not a beacon at all
  bad_version,  // a version this build does not read
  bad_mac,      // another group's key, or altered on the way
};
inline constexpr std::size_t kBeaconFaultCount = 5;

// Human text for logs: "bad size", "bad MAC (another group's key, or altered)".
const char* to_string(BeaconFault fault);

// The outcome of decode_beacon(): a beacon, or the reason there is none.
struct BeaconDecoded {
  BeaconFault fault = BeaconFault::none;
  Beacon beacon;  // meaningful only when ok()

  bool ok() const { return fault == BeaconFault::none; }
};

using BeaconDatagram = std::array<std::uint8_t, kBeaconSize>;

BeaconDatagram encode_beacon(const Beacon& beacon, const SymmetricKey& mac_key);

// Checks size, magic, version and (in constant time) the MAC, in that order.
BeaconDecoded decode_beacon(std::span<const std::uint8_t> datagram, const SymmetricKey& mac_key);

// Datagrams dropped, by reason (index = BeaconFault; none is unused).
class BeaconDropCounters {
 public:
  void count(BeaconFault fault) { ++counts_[static_cast<std::size_t>(fault)]; }
  std::uint64_t of(BeaconFault fault) const { return counts_[static_cast<std::size_t>(fault)]; }
  std::uint64_t total() const;

 private:
  std::array<std::uint64_t, kBeaconFaultCount> counts_{};
};

}  // namespace desaster
