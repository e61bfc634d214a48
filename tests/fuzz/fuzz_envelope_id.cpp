// Fuzzes with_envelope_id, which a follower runs on client requests it
// forwards and on the leader's replies: nothing may crash; a frame it
// rewrites must decode to the same envelope with the new id, and rewriting
// it back gives the id it had.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/protocol/envelope.hpp"

using namespace desaster;
using namespace desaster::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  const EnvelopeNames names{"request", "type", "this node"};
  std::uint64_t old_id = 0;
  Result<std::string> rewritten = with_envelope_id(frame, 77, names, &old_id);
  if (!rewritten.ok()) {
    if (rewritten.status().message.empty()) std::abort();
    return 0;
  }
  Result<Envelope> envelope = decode_envelope(*rewritten, names, nullptr);
  Result<Envelope> original = decode_envelope(frame, names, nullptr);
  if (!envelope.ok() || !original.ok() || envelope->id != 77 || envelope->word != original->word)
    std::abort();
  std::uint64_t seen = 0;
  Result<std::string> back = with_envelope_id(*rewritten, old_id, names, &seen);
  if (!back.ok() || seen != 77) std::abort();
  Result<Envelope> restored = decode_envelope(*back, names, nullptr);
  if (!restored.ok() || restored->id != old_id) std::abort();
  return 0;
}
