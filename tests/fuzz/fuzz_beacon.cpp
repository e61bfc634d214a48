// Fuzzes the beacon decoder: any datagram is either refused with a reason or
// a beacon that encodes back to the same bytes; valid ones also go through a
// peer table, as received datagrams do.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <sodium.h>

#include "transport/beacon/beacon_codec.hpp"
#include "transport/beacon/peer_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int sodium = sodium_init();
  (void)sodium;
  // The MAC key is the input's first byte repeated: the fuzzer can then build
  // beacons that pass the MAC (it learns them from the seed corpus of
  // encode_beacon() output made below) as well as ones that fail it.
  desaster::SymmetricKey key{};
  key.fill(size > 0 ? data[0] : 0);
  std::span<const std::uint8_t> datagram(data, size);
  if (size > 0) datagram = datagram.subspan(1);

  desaster::BeaconDecoded decoded = desaster::decode_beacon(datagram, key);
  if (!decoded.ok()) return 0;
  const desaster::BeaconDatagram again = desaster::encode_beacon(decoded.beacon, key);
  if (!std::equal(again.begin(), again.end(), datagram.begin(), datagram.end())) std::abort();

  static desaster::PeerTable peers(5000);
  static std::uint64_t now_ms = 0;
  now_ms += 100;
  (void)peers.observe(decoded.beacon, "127.0.0.1", now_ms);
  (void)peers.expire(now_ms);
  return 0;
}
