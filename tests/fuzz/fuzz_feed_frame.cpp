// Fuzzes decode_feed_frame (the state feed's PUB frame) and the feed replies:
// nothing may crash; a frame that decodes re-encodes to one that decodes the
// same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/protocol/feed_frame.hpp"
#include "transport/protocol/messages.hpp"

using namespace desaster;
using namespace desaster::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  FeedOpsReply ops;
  (void)decode_body(bytes, ops);
  FeedSnapshotReply snapshot;
  (void)decode_body(bytes, snapshot);
  Result<LogEntry> decoded = decode_feed_frame(bytes);
  if (!decoded.ok()) {
    if (decoded.status().message.empty()) std::abort();
    return 0;
  }
  Result<LogEntry> again = decode_feed_frame(encode_feed_frame(*decoded));
  if (!again.ok() || again->index != decoded->index || again->term != decoded->term ||
      again->timestamp != decoded->timestamp || again->kind != decoded->kind ||
      again->op != decoded->op) {
    std::abort();
  }
  return 0;
}
