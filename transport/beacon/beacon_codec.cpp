// Beacon encoding and checking; see beacon_codec.hpp and beacon.hpp.
#include "transport/beacon/beacon_codec.hpp"

#include <algorithm>
#include <numeric>

#include <sodium.h>

namespace desaster {

namespace {

constexpr std::size_t kHeaderSize = 5;  // magic and version: enough to know what to expect
constexpr std::size_t kFlagsOffset = 5;
constexpr std::size_t kNodeIdOffset = 6;
constexpr std::size_t kPortOffset = 22;

static_assert(kPortOffset + 2 == kBeaconSignedSize);
static_assert(kBeaconMacSize >= crypto_generichash_BYTES_MIN);

std::array<std::uint8_t, kBeaconMacSize> mac_of(const std::uint8_t* signed_bytes,
                                                const SymmetricKey& mac_key) {
  std::array<std::uint8_t, kBeaconMacSize> mac{};
  crypto_generichash(mac.data(), mac.size(), signed_bytes, kBeaconSignedSize, mac_key.data(),
                     mac_key.size());
  return mac;
}

}  // namespace

const char* to_string(BeaconFault fault) {
  switch (fault) {
    case BeaconFault::none:
      return "ok";
    case BeaconFault::bad_size:
      return "bad size";
    case BeaconFault::bad_magic:
      return "bad magic (not a beacon)";
    case BeaconFault::bad_version:
      return "unknown version";
    case BeaconFault::bad_mac:
      return "bad MAC (another group's key, or altered)";
  }
  return "unknown fault";
}

BeaconDatagram encode_beacon(const Beacon& beacon, const SymmetricKey& mac_key) {
  BeaconDatagram out{};
  std::copy(kBeaconMagic.begin(), kBeaconMagic.end(), out.begin());
  out[4] = kBeaconVersion;
  out[kFlagsOffset] = beacon.flags;
  std::copy(beacon.node_id.begin(), beacon.node_id.end(), out.begin() + kNodeIdOffset);
  out[kPortOffset] = static_cast<std::uint8_t>(beacon.tcp_port >> 8);
  out[kPortOffset + 1] = static_cast<std::uint8_t>(beacon.tcp_port & 0xff);
  const auto mac = mac_of(out.data(), mac_key);
  std::copy(mac.begin(), mac.end(), out.begin() + kBeaconSignedSize);
  return out;
}

BeaconDecoded decode_beacon(std::span<const std::uint8_t> datagram, const SymmetricKey& mac_key) {
  BeaconDecoded result;
  if (datagram.size() < kHeaderSize) {
    result.fault = BeaconFault::bad_size;
    return result;
  }
  if (!std::equal(kBeaconMagic.begin(), kBeaconMagic.end(), datagram.begin())) {
    result.fault = BeaconFault::bad_magic;
    return result;
  }
  if (datagram[4] != kBeaconVersion) {
    result.fault = BeaconFault::bad_version;
    return result;
  }
  if (datagram.size() != kBeaconSize) {
    result.fault = BeaconFault::bad_size;
    return result;
  }
  const auto expected = mac_of(datagram.data(), mac_key);
  if (sodium_memcmp(expected.data(), datagram.data() + kBeaconSignedSize, kBeaconMacSize) != 0) {
    result.fault = BeaconFault::bad_mac;
    return result;
  }
  result.beacon.flags = datagram[kFlagsOffset];
  std::copy_n(datagram.begin() + kNodeIdOffset, result.beacon.node_id.size(),
              result.beacon.node_id.begin());
  result.beacon.tcp_port =
      static_cast<std::uint16_t>(datagram[kPortOffset] << 8 | datagram[kPortOffset + 1]);
  return result;
}

std::uint64_t BeaconDropCounters::total() const {
  return std::accumulate(counts_.begin(), counts_.end(), std::uint64_t{0});
}

}  // namespace desaster
