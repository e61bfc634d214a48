// Fuzzes what a client reads from a node: decode_reply, then every typed body
// decoder and the JSON rendering on the body it gives. Nothing may crash; a
// body that decodes must re-encode to bytes that decode to the same body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/client/msgpack_json.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/qdisc_wire.hpp"
#include "transport/protocol/recovery_wire.hpp"
#include "transport/protocol/replies.hpp"
#include "transport/protocol/transfer_wire.hpp"
#include "transport/protocol/upgrade_wire.hpp"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  auto reply = decode_reply(frame);
  // The bodies are also fed the raw input, which reaches them faster.
  const std::string_view body = reply.ok() ? std::string_view(reply->body) : std::string_view();
  for (std::string_view bytes : {body, frame}) {
    check_body<HelloReply>(bytes);
    check_body<EnqueueReply>(bytes);
    check_body<WaitReply>(bytes);
    check_body<GetReply>(bytes);
    check_body<ListReply>(bytes);
    check_body<ErrorsReply>(bytes);
    check_body<QueuesReply>(bytes);
    check_body<WorkerReply>(bytes);
    check_body<LeasePush>(bytes);
    check_body<LeasesPush>(bytes);
    check_body<NodesReply>(bytes);
    check_body<ForceRecoveryReply>(bytes);
    check_body<PoolsReply>(bytes);
    check_body<GroupsReply>(bytes);
    check_body<ResourcesReply>(bytes);
    check_body<BlacklistReply>(bytes);
    check_body<QdiscReply>(bytes);
    check_body<UpgradeReply>(bytes);
    check_body<TransferLeadershipReply>(bytes);
    auto unpacked = codec::unpack_bounded(bytes, "reply body");
    if (unpacked.ok()) (void)msgpack_to_json(unpacked->get());
  }
  if (!reply.ok()) {
    if (reply.status().message.empty()) std::abort();
    return 0;
  }
  // Re-framing what was read gives a frame that reads the same.
  const std::string reframed = !reply->type.empty()
                                   ? encode_push(reply->type, reply->body)
                                   : encode_reply(reply->id, reply->status, reply->body);
  auto again = decode_reply(reframed);
  if (!again.ok() || again->id != reply->id || again->type != reply->type ||
      again->status.code != reply->status.code || again->status.message != reply->status.message) {
    std::abort();
  }
  return 0;
}
