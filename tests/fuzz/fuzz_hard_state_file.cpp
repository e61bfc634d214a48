// The hard state file decoder on arbitrary bytes: an error or a state that
// encodes back to the same bytes, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/journal/hard_state_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto state = desaster::decode_hard_state_file(bytes);
  if (state.ok() && desaster::encode_hard_state_file(*state) != bytes) __builtin_trap();
  return 0;
}
