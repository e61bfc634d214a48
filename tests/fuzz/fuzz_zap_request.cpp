// Fuzzes the ZAP request parser and the group's rule: frames are the input
// split at NUL bytes; whatever comes in gets a six-frame reply.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "transport/security/zap_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Fixed keys instead of an Argon2id derivation per run; the rule only
  // compares public keys.
  static const desaster::GroupKeys keys = [] {
    desaster::GroupKeys k;
    k.client.public_key.fill('c');
    k.server.public_key.fill('s');
    return k;
  }();
  std::vector<std::string_view> frames;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (std::size_t start = 0;;) {
    const std::size_t end = input.find('\0', start);
    frames.push_back(input.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  desaster::Result<desaster::ZapRequest> request = desaster::parse_zap_request(frames);
  std::vector<std::string> reply =
      request.ok()
          ? desaster::zap_reply(request->request_id, desaster::judge_zap_request(*request, keys))
          : desaster::zap_error_reply(frames, request.status().message);
  if (reply.size() != 6) std::abort();
  return 0;
}
