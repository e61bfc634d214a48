// Fuzzes the worker assignment decoders: the "assign" reply bodies (list and
// drain) and desasterctl's assignment commands (words split at NUL bytes).
// Nothing may crash; a body that decodes must re-encode to bytes that
// decode to the same body; a refused command line has a message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "transport/protocol/replies.hpp"
#include "ui/desasterctl/ctl_args.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

template <typename Body>
void check_body(std::string_view bytes) {
  Body body;
  Status status = decode_body(bytes, body);
  if (!status.ok()) {
    if (status.message.empty()) std::abort();
    return;
  }
  const std::string once = encode_body(body);
  Body again;
  if (!decode_body(once, again).ok() || encode_body(again) != once) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_body<AssignmentsReply>(bytes);
  check_body<DrainReply>(bytes);

  std::vector<std::string> words;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= bytes.size(); ++i) {
    if (i == bytes.size() || bytes[i] == '\0') {
      words.emplace_back(bytes.substr(start, i - start));
      start = i + 1;
    }
  }
  static const char* kCommands[] = {"attach", "detach",  "pause", "resume",
                                    "drain",  "undrain", "pin",   "unpin"};
  const char* command = kCommands[size % 8];
  words.insert(words.begin(), command);
  auto parsed = parse_ctl_args(words);
  if (!parsed.ok() && parsed.status().message.empty()) std::abort();
  return 0;
}
