// Fuzzes the relay framing of the peer links: the input is split into
// message parts at 0xff bytes; whatever the parts, decode_relay_frame either
// refuses them with a reason or returns views that lie inside them, and the
// frame it accepts is handed to the request decoder as the leader would.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "transport/peer/relay_frame.hpp"
#include "transport/protocol/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= input.size(); ++i) {
    if (i == input.size() || input[i] == '\xff') {
      parts.push_back(input.substr(start, i - start));
      start = i + 1;
    }
  }
  // Half the inputs start with the tag, so the fuzzer gets past it at once.
  if (size > 0 && data[0] & 1) parts[0] = desaster::kRelayFrameTag;
  desaster::Result<desaster::RelayFrame> relay = desaster::decode_relay_frame(parts);
  if (!relay.ok()) {
    if (relay.status().message.empty()) std::abort();
    return 0;
  }
  if (relay->node.empty() || relay->worker.empty() || relay->frame.empty()) std::abort();
  if (relay->node.size() > desaster::kMaxRelayNodeBytes) std::abort();
  std::uint64_t id = 0;
  (void)desaster::protocol::decode_request(relay->frame, &id);
  return 0;
}
