// Fuzzes the snapshot file parser: any bytes give a snapshot or a corrupt
// Status, never a crash, and an accepted file re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/journal/snapshot_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  desaster::Result<desaster::Snapshot> snapshot = desaster::decode_snapshot_file(bytes);
  if (!snapshot.ok()) {
    if (snapshot.status().code != desaster::ErrorCode::corrupt) std::abort();
    return 0;
  }
  if (desaster::encode_snapshot_file(*snapshot) != bytes) std::abort();
  return 0;
}
