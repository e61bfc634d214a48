// decode_op on arbitrary bytes: never crashes, and whatever it accepts
// encodes back to bytes that decode to the same op.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/state/op_codec.hpp"

using namespace desaster;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Result<Op> op = decode_op(input);
  if (!op.ok()) {
    if (op.status().message.empty()) std::abort();  // every refusal says why
    return 0;
  }
  std::string encoded = encode_op(*op);
  Result<Op> again = decode_op(encoded);
  if (!again.ok() || encode_op(*again) != encoded) std::abort();
  return 0;
}
