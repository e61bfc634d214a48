// Fuzzes the job actions' decoders: the "action" request (through
// decode_request, with the input also wrapped as an action's body), its
// reply and the "cancel" push. Nothing may crash; what decodes must encode
// to bytes that decode to the same thing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/messages.hpp"

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

void check_request(std::string_view frame) {
  Result<Request> request = decode_request(frame);
  if (!request.ok()) {
    if (request.status().message.empty()) std::abort();
    return;
  }
  const std::string once = encode_request(*request);
  Result<Request> again = decode_request(once);
  if (!again.ok() || encode_request(*again) != once) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_request(bytes);
  // The input as the body of an "action" request reaches its reader at once.
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(kProtocolVersion);
  pk.pack(1);
  BodyWriter::pack_string(pk, "action");
  buffer.write(bytes.data(), bytes.size());
  check_request(std::string_view(buffer.data(), buffer.size()));
  check_body<JobActionReply>(bytes);
  check_body<CancelPush>(bytes);
  return 0;
}
