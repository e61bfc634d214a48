// ZAP (ZeroMQ RFC 27) requests and replies, and the group's rule for them.
// Pure: frames in, a verdict and reply frames out; zap_handler.hpp does the
// socket work.
//
// The rule: a CURVE peer is accepted when its public key is the group's
// client key (User-Id "client") or the group's server key (User-Id "node",
// a node's DEALER); everything else is refused with a reason: another key
// (another group), another mechanism (NULL, PLAIN), another ZAP domain, or a
// request libzmq should never send.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/status.hpp"
#include "transport/security/group_keys.hpp"

namespace desaster {

inline constexpr std::string_view kZapEndpoint = "inproc://zeromq.zap.01";
inline constexpr std::string_view kZapVersion = "1.0";

struct ZapRequest {
  std::string request_id;
  std::string domain;
  std::string address;  // the peer's IP address, as libzmq gives it
  std::string routing_id;
  std::string mechanism;  // "NULL", "PLAIN", "CURVE", "GSSAPI"
  std::vector<std::string> credentials;
};

// Frames as libzmq sends them: version, request id, domain, address,
// routing id, mechanism, credentials... The error says which frame is wrong.
Result<ZapRequest> parse_zap_request(std::span<const std::string_view> frames);

struct ZapVerdict {
  bool accepted = false;
  std::string user_id;  // when accepted: "client" or "node"
  std::string reason;   // when refused: why, for the log and the status text
};

ZapVerdict judge_zap_request(const ZapRequest& request, const GroupKeys& keys);

// The six reply frames: version, request id, status code ("200" or "400"),
// status text, user id, metadata (empty).
std::vector<std::string> zap_reply(const std::string& request_id, const ZapVerdict& verdict);

// The reply to a request that did not parse: "500" (internal error) with the
// parse error as text, echoing the request id when there was one.
std::vector<std::string> zap_error_reply(std::span<const std::string_view> frames,
                                         const std::string& error);

}  // namespace desaster
