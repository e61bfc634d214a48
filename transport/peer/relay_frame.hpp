// The worker relay's framing on the peer links (ARCHITECTURE.md, "Cluster
// dispatch"). A follower passes each of its workers' client-protocol frames
// to the leader as [kRelayFrameTag, node, worker, frame] on its DEALER link;
// the leader's ROUTER sees [routing id, kRelayFrameTag, node, worker, frame]
// and sends the pushes and replies for that worker back the same way. node
// is the worker's node (the follower's id), worker its key on that node.
//
// Pure: no sockets; the parts are views of the message's frames.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/model/status.hpp"

namespace desaster {

inline constexpr std::string_view kRelayFrameTag = "DSTR-RELAY/1";
inline constexpr std::size_t kMaxRelayNodeBytes = 64;
inline constexpr std::size_t kMaxRelayWorkerBytes = 64;

struct RelayFrame {
  std::string_view node;
  std::string_view worker;
  std::string_view frame;  // one client-protocol frame, not looked into here
};

// True when parts (after a ROUTER's routing id, if any) start with the tag:
// then decode_relay_frame must accept them or the message is dropped.
bool is_relay_message(const std::vector<std::string_view>& parts);
// [tag, node, worker, frame]; the error names what is wrong.
Result<RelayFrame> decode_relay_frame(const std::vector<std::string_view>& parts);

}  // namespace desaster
