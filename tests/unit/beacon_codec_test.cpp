// The beacon codec: round trips, the fixed layout, and every malformed
// datagram rejected with its reason (size, magic, version, MAC).
#include <catch2/catch.hpp>

#include <vector>

#include "transport/beacon/beacon_codec.hpp"

using namespace desaster;

namespace {
SymmetricKey key_of(std::uint8_t fill) {
  SymmetricKey key{};
  key.fill(fill);
  return key;
}

Beacon sample_beacon() {
  Beacon beacon;
  for (std::size_t i = 0; i < beacon.node_id.size(); ++i) {
    beacon.node_id[i] = static_cast<std::uint8_t>(0xa0 + i);
  }
  beacon.tcp_port = 2693;
  return beacon;
}

std::vector<std::uint8_t> bytes_of(const BeaconDatagram& datagram) {
  return {datagram.begin(), datagram.end()};
}

BeaconFault fault_of(const std::vector<std::uint8_t>& bytes, const SymmetricKey& key) {
  return decode_beacon(bytes, key).fault;
}
}  // namespace

TEST_CASE("a beacon decodes to what was encoded", "[beacon][codec]") {
  const SymmetricKey key = key_of(7);
  Beacon beacon = sample_beacon();
  beacon.flags = 0x80;
  BeaconDecoded decoded = decode_beacon(encode_beacon(beacon, key), key);
  REQUIRE(decoded.ok());
  CHECK(decoded.beacon == beacon);
}

TEST_CASE("a leaving beacon carries port 0", "[beacon][codec]") {
  const SymmetricKey key = key_of(7);
  Beacon beacon = sample_beacon();
  beacon.tcp_port = 0;
  BeaconDecoded decoded = decode_beacon(encode_beacon(beacon, key), key);
  REQUIRE(decoded.ok());
  CHECK(decoded.beacon.leaving());
}

TEST_CASE("a beacon has the documented layout", "[beacon][codec]") {
  const std::vector<std::uint8_t> bytes = bytes_of(encode_beacon(sample_beacon(), key_of(7)));
  REQUIRE(bytes.size() == 40);
  CHECK(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 4) ==
        std::vector<std::uint8_t>{'D', 'S', 'T', 'R'});
  CHECK(bytes[4] == 1);     // version
  CHECK(bytes[5] == 0);     // flags
  CHECK(bytes[6] == 0xa0);  // node id, first byte
  CHECK(bytes[21] == 0xaf);
  CHECK(bytes[22] == 0x0a);  // 2693 big-endian
  CHECK(bytes[23] == 0x85);
}

TEST_CASE("datagrams shorter than a header are the wrong size", "[beacon][codec]") {
  const SymmetricKey key = key_of(7);
  CHECK(fault_of({}, key) == BeaconFault::bad_size);
  CHECK(fault_of({'D', 'S', 'T', 'R'}, key) == BeaconFault::bad_size);
}

TEST_CASE("a beacon cut short or padded is the wrong size", "[beacon][codec]") {
  const SymmetricKey key = key_of(7);
  std::vector<std::uint8_t> bytes = bytes_of(encode_beacon(sample_beacon(), key));
  std::vector<std::uint8_t> shorter(bytes.begin(), bytes.end() - 1);
  CHECK(fault_of(shorter, key) == BeaconFault::bad_size);
  bytes.push_back(0);
  CHECK(fault_of(bytes, key) == BeaconFault::bad_size);
}

TEST_CASE("garbage is not a beacon", "[beacon][codec]") {
  const SymmetricKey key = key_of(7);
  CHECK(fault_of(std::vector<std::uint8_t>(40, 'x'), key) == BeaconFault::bad_magic);
  // ZRE's beacon ("ZRE" 0x01 ...) is somebody else's protocol.
  CHECK(fault_of({'Z', 'R', 'E', 1, 0, 0, 0}, key) == BeaconFault::bad_magic);
}

TEST_CASE("a beacon of another version is refused before its size is judged", "[beacon][codec]") {
  const SymmetricKey key = key_of(7);
  std::vector<std::uint8_t> bytes = bytes_of(encode_beacon(sample_beacon(), key));
  bytes[4] = 2;
  CHECK(fault_of(bytes, key) == BeaconFault::bad_version);
  bytes.resize(64);
  CHECK(fault_of(bytes, key) == BeaconFault::bad_version);
}

TEST_CASE("a beacon made with another group's key has a bad MAC", "[beacon][codec]") {
  std::vector<std::uint8_t> bytes = bytes_of(encode_beacon(sample_beacon(), key_of(1)));
  CHECK(fault_of(bytes, key_of(2)) == BeaconFault::bad_mac);
}

TEST_CASE("changing any signed or MAC byte breaks the MAC", "[beacon][codec]") {
  const SymmetricKey key = key_of(7);
  const std::vector<std::uint8_t> good = bytes_of(encode_beacon(sample_beacon(), key));
  for (std::size_t i = 5; i < good.size(); ++i) {  // magic and version fail earlier
    std::vector<std::uint8_t> bytes = good;
    bytes[i] ^= 0x01;
    INFO("byte " << i);
    CHECK(fault_of(bytes, key) == BeaconFault::bad_mac);
  }
}

TEST_CASE("every fault has a readable name", "[beacon][codec]") {
  CHECK(std::string(to_string(BeaconFault::bad_size)) == "bad size");
  CHECK(std::string(to_string(BeaconFault::bad_mac)).find("another group") != std::string::npos);
  CHECK(std::string(to_string(BeaconFault::bad_magic)).find("magic") != std::string::npos);
  CHECK(std::string(to_string(BeaconFault::bad_version)).find("version") != std::string::npos);
}

TEST_CASE("drops are counted by reason", "[beacon][codec]") {
  BeaconDropCounters drops;
  drops.count(BeaconFault::bad_mac);
  drops.count(BeaconFault::bad_mac);
  drops.count(BeaconFault::bad_size);
  CHECK(drops.of(BeaconFault::bad_mac) == 2);
  CHECK(drops.of(BeaconFault::bad_size) == 1);
  CHECK(drops.of(BeaconFault::bad_magic) == 0);
  CHECK(drops.total() == 3);
}

TEST_CASE("a node id converts between its file text and beacon bytes", "[beacon][codec]") {
  Result<NodeIdBytes> id = node_id_from_hex("00112233445566778899AABBCCDDEEFF");
  REQUIRE(id.ok());
  CHECK((*id)[0] == 0x00);
  CHECK((*id)[15] == 0xff);
  CHECK(node_id_to_hex(*id) == "00112233445566778899aabbccddeeff");
}

TEST_CASE("a node id text of the wrong length or with non-hex characters is refused",
          "[beacon][codec]") {
  Result<NodeIdBytes> short_id = node_id_from_hex("0011");
  REQUIRE_FALSE(short_id.ok());
  CHECK(short_id.status().message.find("32 hex digits") != std::string::npos);
  Result<NodeIdBytes> bad_digit = node_id_from_hex("0011223344556677889900aabbccddgg");
  REQUIRE_FALSE(bad_digit.ok());
  CHECK(bad_digit.status().message.find("non-hex") != std::string::npos);
}
