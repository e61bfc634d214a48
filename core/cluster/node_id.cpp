#include "core/cluster/node_id.hpp"

namespace desaster::raft {

namespace {

void append_hex(std::string& out, std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kDigits[(value >> shift) & 0xF]);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string NodeId::hex() const {
  std::string out;
  out.reserve(32);
  append_hex(out, hi);
  append_hex(out, lo);
  return out;
}

std::optional<NodeId> NodeId::from_hex(std::string_view text) {
  if (text.size() != 32) return std::nullopt;
  NodeId id;
  for (std::size_t i = 0; i < 32; ++i) {
    const int digit = hex_value(text[i]);
    if (digit < 0) return std::nullopt;
    std::uint64_t& half = i < 16 ? id.hi : id.lo;
    half = (half << 4) | static_cast<std::uint64_t>(digit);
  }
  return id;
}

}  // namespace desaster::raft
