// Node id text <-> bytes for beacons; see beacon.hpp.
#include "transport/beacon/beacon.hpp"

namespace desaster {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<NodeIdBytes> node_id_from_hex(std::string_view hex) {
  NodeIdBytes id{};
  if (hex.size() != id.size() * 2) {
    return Status::error(ErrorCode::bad_request, "node id must be 32 hex digits, got " +
                                                     std::to_string(hex.size()) + " characters");
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    const int high = hex_value(hex[2 * i]);
    const int low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      return Status::error(ErrorCode::bad_request,
                           "node id has a non-hex character at " + std::to_string(2 * i));
    }
    id[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return id;
}

std::string node_id_to_hex(const NodeIdBytes& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(id.size() * 2);
  for (std::uint8_t byte : id) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0xf];
  }
  return hex;
}

}  // namespace desaster
