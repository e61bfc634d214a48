// ZAP requests (RFC 27) and the group's rule, without sockets: malformed
// requests are refused with the frame that was wrong, the group's two public
// keys are accepted under their names, everything else is refused with a
// reason.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "transport/security/curve_socket.hpp"
#include "transport/security/zap_request.hpp"

using namespace desaster;

namespace {
const GroupKeys& keys_for(const char* key) {
  Result<const GroupKeys*> keys = group_keys(key);
  REQUIRE(keys.ok());
  return **keys;
}

std::string bytes_of(const std::array<std::uint8_t, 32>& key) {
  return std::string(reinterpret_cast<const char*>(key.data()), key.size());
}

ZapRequest curve_request(std::string credential) {
  ZapRequest request;
  request.request_id = "7";
  request.domain = kZapDomain;
  request.address = "127.0.0.1";
  request.mechanism = "CURVE";
  request.credentials.push_back(std::move(credential));
  return request;
}

Result<ZapRequest> parse(const std::vector<std::string_view>& frames) {
  return parse_zap_request(frames);
}
}  // namespace

TEST_CASE("a ZAP request's frames are read in RFC 27 order", "[security][zap]") {
  Result<ZapRequest> request =
      parse({"1.0", "42", "desaster", "10.1.2.3", "rid", "CURVE", "0123456789abcdef"});
  REQUIRE(request.ok());
  CHECK(request->request_id == "42");
  CHECK(request->domain == "desaster");
  CHECK(request->address == "10.1.2.3");
  CHECK(request->routing_id == "rid");
  CHECK(request->mechanism == "CURVE");
  REQUIRE(request->credentials.size() == 1);
  CHECK(request->credentials[0] == "0123456789abcdef");
}

TEST_CASE("a ZAP request with too few frames is refused", "[security][zap]") {
  for (std::size_t n = 0; n < 6; ++n) {
    std::vector<std::string_view> frames(n, "1.0");
    Result<ZapRequest> request = parse(frames);
    INFO(n << " frames");
    REQUIRE_FALSE(request.ok());
    CHECK(request.status().message.find("at least 6") != std::string::npos);
  }
}

TEST_CASE("a ZAP request of another version is refused", "[security][zap]") {
  Result<ZapRequest> request = parse({"2.0", "1", "desaster", "1.2.3.4", "", "CURVE"});
  REQUIRE_FALSE(request.ok());
  CHECK(request.status().message.find("version") != std::string::npos);
}

TEST_CASE("the group's client key is accepted as a client", "[security][zap]") {
  const GroupKeys& keys = keys_for("zap group");
  ZapVerdict verdict = judge_zap_request(curve_request(bytes_of(keys.client.public_key)), keys);
  CHECK(verdict.accepted);
  CHECK(verdict.user_id == "client");
}

TEST_CASE("the group's server key is accepted as a node", "[security][zap]") {
  const GroupKeys& keys = keys_for("zap group");
  ZapVerdict verdict = judge_zap_request(curve_request(bytes_of(keys.server.public_key)), keys);
  CHECK(verdict.accepted);
  CHECK(verdict.user_id == "node");
}

TEST_CASE("another group's keys are refused, naming the key", "[security][zap]") {
  const GroupKeys& ours = keys_for("zap group");
  const GroupKeys& theirs = keys_for("zap other group");
  ZapVerdict verdict = judge_zap_request(curve_request(bytes_of(theirs.client.public_key)), ours);
  CHECK_FALSE(verdict.accepted);
  CHECK(verdict.reason.find(theirs.client.public_z85) != std::string::npos);
  CHECK_FALSE(judge_zap_request(curve_request(bytes_of(theirs.server.public_key)), ours).accepted);
}

TEST_CASE("a credential of the wrong size is refused", "[security][zap]") {
  const GroupKeys& keys = keys_for("zap group");
  ZapVerdict verdict = judge_zap_request(curve_request("short"), keys);
  CHECK_FALSE(verdict.accepted);
  CHECK(verdict.reason.find("5-byte key") != std::string::npos);
}

TEST_CASE("mechanisms other than CURVE are refused", "[security][zap]") {
  const GroupKeys& keys = keys_for("zap group");
  for (const char* mechanism : {"NULL", "PLAIN", "GSSAPI"}) {
    ZapRequest request = curve_request(bytes_of(keys.client.public_key));
    request.mechanism = mechanism;
    ZapVerdict verdict = judge_zap_request(request, keys);
    INFO(mechanism);
    CHECK_FALSE(verdict.accepted);
    CHECK(verdict.reason.find(mechanism) != std::string::npos);
  }
}

TEST_CASE("a request for another ZAP domain is refused", "[security][zap]") {
  const GroupKeys& keys = keys_for("zap group");
  ZapRequest request = curve_request(bytes_of(keys.client.public_key));
  request.domain = "global";
  ZapVerdict verdict = judge_zap_request(request, keys);
  CHECK_FALSE(verdict.accepted);
  CHECK(verdict.reason.find("domain") != std::string::npos);
}

TEST_CASE("a CURVE request without exactly one credential is refused", "[security][zap]") {
  const GroupKeys& keys = keys_for("zap group");
  ZapRequest request = curve_request(bytes_of(keys.client.public_key));
  request.credentials.clear();
  CHECK_FALSE(judge_zap_request(request, keys).accepted);
  request.credentials = {bytes_of(keys.client.public_key), bytes_of(keys.client.public_key)};
  CHECK_FALSE(judge_zap_request(request, keys).accepted);
}

TEST_CASE("ZAP replies carry the request id, status, reason and user id", "[security][zap]") {
  ZapVerdict accepted{true, "client", ""};
  CHECK(zap_reply("9", accepted) ==
        std::vector<std::string>{"1.0", "9", "200", "OK", "client", ""});
  ZapVerdict refused{false, "", "unknown key"};
  CHECK(zap_reply("9", refused) ==
        std::vector<std::string>{"1.0", "9", "400", "unknown key", "", ""});
}

TEST_CASE("a request that did not parse gets a 500 with its id when it had one",
          "[security][zap]") {
  std::vector<std::string_view> two{"1.0", "77"};
  CHECK(zap_error_reply(two, "bad") == std::vector<std::string>{"1.0", "77", "500", "bad", "", ""});
  CHECK(zap_error_reply({}, "bad") == std::vector<std::string>{"1.0", "", "500", "bad", "", ""});
}
