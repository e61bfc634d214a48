// An HTTP request as the Rack env a Ruby pool runs (the `http` job payload of
// workers/ruby/PROTOCOL.md), and the pool's Rack reply back as an HTTP
// response. Pure: no sockets, no h2o, so both directions are unit-tested and
// fuzzed (tests/fuzz/fuzz_rack_env.cpp).
//
// The front end is the edge: REMOTE_ADDR is the peer it accepted, it appends
// that peer to X-Forwarded-For, sets X-Forwarded-Proto to its own scheme and
// drops what a client could use to lie about the front end (X-Forwarded-Host,
// -Port, -Ssl, Forwarded, and any header with '_' in its name, which would
// collide with a '-' one in the env).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model/status.hpp"
#include "transport/http_front/http_backend.hpp"

namespace desaster::http_front {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;
  std::string target;     // as on the request line: path and query, percent-encoded
  std::string authority;  // the Host header (HTTP/1) or :authority (HTTP/2)
  std::string protocol;   // "HTTP/1.1", "HTTP/1.0", "HTTP/2"
  HeaderList headers;     // names lower case, in arrival order
  std::string body;
  std::string remote_addr;
  std::uint16_t local_port = 0;
  bool tls = false;
};

// {"env": {...}, "body": BIN}; fails (answer 400) on a target that is not a
// path ("*", an absolute URI h2o did not split) or a method that is not a token.
Result<std::string> encode_rack_payload(const HttpRequest& request);

struct HttpReply {
  int status = 0;
  HeaderList headers;  // names lower case; hop-by-hop and Content-Length left out
  std::string body;
};

// The job output of a Rack reply, {"status", "headers", "body"}, checked: a
// status outside 100-599 or a header name or value that could split the
// response is an error (answer 502), never passed on.
Result<HttpReply> decode_rack_reply(std::string_view output);
// The same checks on a reply a local worker sent (its fields already
// unpacked once, by the pool): decode_rack_reply is this after the unpacking.
Result<HttpReply> check_rack_reply(RawRackReply raw);

}  // namespace desaster::http_front
