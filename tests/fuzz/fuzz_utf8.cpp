// Fuzzes the UTF-8 check and repair every str field and every echoed error
// message goes through: nothing may crash; repaired text is always valid and
// within its bound; valid text is repaired to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/codec/text.hpp"

using namespace desaster;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t max = size % 97 + 4;
  const std::string repaired = codec::to_valid_utf8(text, max);
  if (codec::invalid_utf8_at(repaired).has_value()) std::abort();
  if (repaired.size() > max + 3) std::abort();  // "..." marks a cut
  const std::string whole = codec::to_valid_utf8(text, size * 3 + 3);
  if (!codec::invalid_utf8_at(text).has_value() && whole != text) std::abort();
  return 0;
}
