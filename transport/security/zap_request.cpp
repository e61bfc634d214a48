// ZAP request parsing and the group's rule; see zap_request.hpp.
#include "transport/security/zap_request.hpp"

#include <algorithm>
#include <cstdint>

#include <zmq.h>

#include "transport/security/curve_socket.hpp"

namespace desaster {

namespace {
constexpr std::size_t kFixedFrames = 6;

bool same_key(const std::string& credential, const std::array<std::uint8_t, 32>& key) {
  return credential.size() == key.size() &&
         std::equal(key.begin(), key.end(),
                    reinterpret_cast<const std::uint8_t*>(credential.data()));
}

std::string z85_or_size(const std::string& credential) {
  if (credential.size() != 32) return "a " + std::to_string(credential.size()) + "-byte key";
  char text[41] = {};
  zmq_z85_encode(text, reinterpret_cast<const std::uint8_t*>(credential.data()), 32);
  return std::string("key ") + text;
}
}  // namespace

Result<ZapRequest> parse_zap_request(std::span<const std::string_view> frames) {
  if (frames.size() < kFixedFrames) {
    return Status::error(
        ErrorCode::bad_request,
        "ZAP request has " + std::to_string(frames.size()) + " frames, at least 6 expected");
  }
  if (frames[0] != kZapVersion) {
    return Status::error(ErrorCode::bad_request, "ZAP request version is not 1.0");
  }
  ZapRequest request;
  request.request_id = frames[1];
  request.domain = frames[2];
  request.address = frames[3];
  request.routing_id = frames[4];
  request.mechanism = frames[5];
  for (std::size_t i = kFixedFrames; i < frames.size(); ++i) {
    request.credentials.emplace_back(frames[i]);
  }
  return request;
}

ZapVerdict judge_zap_request(const ZapRequest& request, const GroupKeys& keys) {
  ZapVerdict verdict;
  if (request.domain != kZapDomain) {
    verdict.reason = "unknown ZAP domain '" + request.domain + "'";
    return verdict;
  }
  if (request.mechanism != "CURVE") {
    verdict.reason = "mechanism " + request.mechanism + " is not allowed (CURVE only)";
    return verdict;
  }
  if (request.credentials.size() != 1) {
    verdict.reason = "CURVE request with " + std::to_string(request.credentials.size()) +
                     " credentials, 1 expected";
    return verdict;
  }
  const std::string& key = request.credentials.front();
  if (same_key(key, keys.client.public_key)) {
    verdict.accepted = true;
    verdict.user_id = to_string(CurveIdentity::client);
  } else if (same_key(key, keys.server.public_key)) {
    verdict.accepted = true;
    verdict.user_id = to_string(CurveIdentity::node);
  } else {
    verdict.reason = "unknown " + z85_or_size(key) + " (another group key?)";
  }
  return verdict;
}

std::vector<std::string> zap_reply(const std::string& request_id, const ZapVerdict& verdict) {
  return {std::string(kZapVersion),
          request_id,
          verdict.accepted ? "200" : "400",
          verdict.accepted ? "OK" : verdict.reason,
          verdict.user_id,
          ""};
}

std::vector<std::string> zap_error_reply(std::span<const std::string_view> frames,
                                         const std::string& error) {
  return {std::string(kZapVersion),
          frames.size() > 1 ? std::string(frames[1]) : "",
          "500",
          error,
          "",
          ""};
}

}  // namespace desaster
