// Fuzzes decode_stored_snapshot (a clustered node's journal snapshot bytes):
// nothing may crash; what decodes re-encodes to bytes that decode the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/cluster/stored_snapshot.hpp"

using namespace desaster::raft;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = decode_stored_snapshot(bytes);
  if (!decoded.ok()) {
    if (decoded.status().message.empty()) std::abort();
    return 0;
  }
  auto again = decode_stored_snapshot(encode_stored_snapshot(decoded->conf, decoded->data));
  if (!again.ok() || !(again->conf == decoded->conf) || again->data != decoded->data) std::abort();
  return 0;
}
