// Fuzzes decode_request: any bytes give a request or an error with a message,
// never a crash; a request that decodes re-encodes to a frame that decodes
// to the same request, and the id handed out for errors is the request's.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/protocol/messages.hpp"

using namespace desaster::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  std::uint64_t id = 0;
  auto decoded = decode_request(frame, &id);
  if (!decoded.ok()) {
    if (decoded.status().message.empty()) std::abort();
    return 0;
  }
  if (id != decoded->id || decoded->id == 0) std::abort();
  const std::string once = encode_request(*decoded);
  auto again = decode_request(once);
  if (!again.ok() || encode_request(*again) != once) std::abort();
  return 0;
}
