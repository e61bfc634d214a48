// Fuzzes the HTTP front end's own codecs (transport/http_front): any bytes as
// a worker's Rack reply give a checked reply or an error with a message, and
// a reply never carries a CR, LF or NUL into a header (nor does a local
// worker's reply after check_rack_reply); the same bytes cut
// into a request (method, target, header, body) give a Rack payload or an
// error; as a route spec they are added or refused with a message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/http_front/http_routes.hpp"
#include "transport/http_front/rack_env.hpp"

using namespace desaster;
using namespace desaster::http_front;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto message_ok = [](const Status& s) { return s.ok() || !s.message.empty(); };

  Result<HttpReply> reply = decode_rack_reply(bytes);
  if (!message_ok(reply.status())) std::abort();
  if (reply.ok()) {
    if (reply->status < 100 || reply->status > 599) std::abort();
    for (const auto& [name, value] : reply->headers) {
      if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) std::abort();
      if (name.find_first_of(std::string_view(" :\r\n\0", 5)) != std::string::npos) std::abort();
    }
  }

  // A local worker's reply, unpacked by the pool: the same guarantees.
  RawRackReply raw;
  raw.status = size == 0 ? 200 : 90 + data[0] * 2;
  raw.headers.emplace_back(std::string(bytes.substr(0, size / 2)),
                           std::string(bytes.substr(size / 2)));
  raw.body = std::string(bytes);
  Result<HttpReply> checked = check_rack_reply(std::move(raw));
  if (!message_ok(checked.status())) std::abort();
  if (checked.ok()) {
    for (const auto& [name, value] : checked->headers) {
      if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) std::abort();
      if (name.find_first_of(std::string_view(" :\r\n\0", 5)) != std::string::npos) std::abort();
    }
  }

  const std::size_t a = size == 0 ? 0 : data[0] % (size + 1);
  const std::size_t b = size < 2 ? a : a + (data[1] % (size - a + 1));
  HttpRequest request;
  request.method = std::string(bytes.substr(0, a));
  request.target = std::string(bytes.substr(a, b - a));
  request.headers.emplace_back(std::string(bytes.substr(b, 8)), std::string(bytes.substr(b)));
  request.authority = std::string(bytes.substr(a, 16));
  request.body = std::string(bytes);
  request.remote_addr = "127.0.0.1";
  if (!message_ok(encode_rack_payload(request).status())) std::abort();

  HttpRoutes routes;
  if (!message_ok(routes.add(bytes))) std::abort();
  (void)routes.queue_for(request.authority, request.target);
  return 0;
}
