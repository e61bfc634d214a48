#include "transport/peer/relay_frame.hpp"

namespace desaster {

bool is_relay_message(const std::vector<std::string_view>& parts) {
  return !parts.empty() && parts[0] == kRelayFrameTag;
}

Result<RelayFrame> decode_relay_frame(const std::vector<std::string_view>& parts) {
  auto bad = [](const std::string& why) {
    return Status::error(ErrorCode::bad_request, "relay message: " + why);
  };
  if (!is_relay_message(parts)) return bad("does not start with " + std::string(kRelayFrameTag));
  if (parts.size() != 4) {
    return bad("has " + std::to_string(parts.size()) + " parts, not 4 (tag, node, worker, frame)");
  }
  RelayFrame relay{parts[1], parts[2], parts[3]};
  if (relay.node.empty() || relay.node.size() > kMaxRelayNodeBytes) {
    return bad("node id must be 1 to " + std::to_string(kMaxRelayNodeBytes) + " bytes");
  }
  if (relay.worker.empty() || relay.worker.size() > kMaxRelayWorkerBytes) {
    return bad("worker key must be 1 to " + std::to_string(kMaxRelayWorkerBytes) + " bytes");
  }
  if (relay.frame.empty()) return bad("frame is empty");
  return relay;
}

}  // namespace desaster
