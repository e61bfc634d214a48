#include "core/state/dedup_identity.hpp"

namespace desaster {

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::uint64_t job_content_hash(std::string_view job_class, std::string_view payload) {
  char length[8];
  std::uint64_t n = job_class.size();
  for (char& byte : length) {
    byte = static_cast<char>(n & 0xff);
    n >>= 8;
  }
  std::uint64_t h = fnv1a64(std::string_view(length, sizeof length));
  h = fnv1a64(job_class, h);
  return fnv1a64(payload, h);
}

std::string dedup_identity(std::string_view unique_key, std::string_view job_class,
                           std::string_view payload) {
  if (!unique_key.empty()) return "key:" + std::string(unique_key);
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t h = job_content_hash(job_class, payload);
  std::string out = "hash:";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(h >> shift) & 0xf]);
  return out;
}

}  // namespace desaster
