// The worker assignment ops, the "assign" request and its replies on the
// wire: round trips, and malformed input refused with what and where.
#include <catch2/catch.hpp>
#include <functional>

#include "core/state/op_codec.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/envelope.hpp"
#include "transport/protocol/replies.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

template <typename T>
T op_round_trip(const T& op) {
  std::string bytes = encode_op(op);
  Result<Op> decoded = decode_op(bytes);
  REQUIRE(decoded.ok());
  REQUIRE(std::holds_alternative<T>(*decoded));
  CHECK(encode_op(*decoded) == bytes);
  return std::get<T>(*decoded);
}

// The type code an op of type T is written with.
template <typename T>
std::uint32_t type_code(const T& op) {
  std::string bytes = encode_op(op);
  msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
  return handle.get().via.array.ptr[1].as<std::uint32_t>();
}

std::string op_error(std::uint32_t type, const std::function<void(Packer&)>& fields,
                     std::uint32_t count) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  pk.pack_array(2 + count);
  pk.pack(kOpFormatVersion);
  pk.pack(type);
  fields(pk);
  Result<Op> decoded = decode_op(std::string_view(buffer.data(), buffer.size()));
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code == ErrorCode::corrupt);
  return decoded.status().message;
}

std::string request_error(const BodyWriter& body) {
  std::string frame = encode_envelope(7, "assign", body.finish());
  Result<Request> decoded = decode_request(frame);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code == ErrorCode::bad_request);
  return decoded.status().message;
}

}  // namespace

TEST_CASE("worker assignment ops survive a round trip", "[state][codec][assign]") {
  PoolAttachOp attach = op_round_trip(PoolAttachOp{"shell", "mail", 7, "node-a"});
  CHECK(attach.pool == "shell");
  CHECK(attach.queue == "mail");
  CHECK(attach.weight == 7);
  CHECK(attach.node == "node-a");
  PoolDetachOp detach = op_round_trip(PoolDetachOp{"app", "*", ""});
  CHECK(detach.pool == "app");
  CHECK(detach.queue == "*");
  PoolPauseOp pause = op_round_trip(PoolPauseOp{"app", "n", false});
  CHECK(pause.node == "n");
  CHECK_FALSE(pause.paused);
  NodeDrainOp drain = op_round_trip(NodeDrainOp{"n2", true});
  CHECK(drain.node == "n2");
  CHECK(drain.draining);
  PinOp pin = op_round_trip(PinOp{{1, ~JobId{0}}, "n3", "app"});
  CHECK(pin.ids == std::vector<JobId>{1, ~JobId{0}});
  CHECK(pin.node == "n3");
  CHECK(pin.pool == "app");
}

TEST_CASE("a malformed worker assignment op is refused with its place", "[state][codec][assign]") {
  const std::uint32_t attach = type_code(PoolAttachOp{});
  const std::uint32_t pin = type_code(PinOp{});
  const std::uint32_t drain = type_code(NodeDrainOp{});
  CHECK(op_error(
            attach, [](Packer& pk) { pk.pack(std::string("shell")); }, 1) ==
        "op.pool_attach: expected 6 fields, got 3");
  CHECK(op_error(
            attach,
            [](Packer& pk) {
              pk.pack(std::string("shell"));
              pk.pack(std::string("q"));
              pk.pack(-1);
              pk.pack(std::string());
            },
            4) == "op.pool_attach.weight: must be an integer in [0, 4294967295]");
  CHECK(op_error(
            pin,
            [](Packer& pk) {
              pk.pack(std::string("x"));
              pk.pack(std::string());
              pk.pack(std::string());
            },
            3) == "op.pin.ids: must be an array, not a string");
  CHECK(op_error(
            drain,
            [](Packer& pk) {
              pk.pack(std::string("n"));
              pk.pack(1);
            },
            2) == "op.node_drain.draining: must be a boolean, not an integer");
}

TEST_CASE("every assign action survives a round trip as a request",
          "[transport][protocol][assign]") {
  std::vector<AssignCommand> commands;
  for (AssignAction action : {AssignAction::attach, AssignAction::detach, AssignAction::pause,
                              AssignAction::resume, AssignAction::drain, AssignAction::undrain,
                              AssignAction::pin, AssignAction::unpin, AssignAction::list}) {
    AssignCommand c;
    c.action = action;
    c.pool = "app";
    c.queue = "mail";
    c.weight = 4;
    c.node = "n1";
    c.ids = {5, 6};
    commands.push_back(c);
  }
  for (const AssignCommand& c : commands) {
    std::string bytes = encode_request(Request{9, c});
    Result<Request> decoded = decode_request(bytes);
    INFO(to_string(c.action));
    REQUIRE(decoded.ok());
    const auto& out = std::get<AssignCommand>(decoded->body);
    CHECK(out.action == c.action);
    CHECK(out.pool == "app");
    CHECK(out.weight == 4);
    CHECK(out.ids == c.ids);
    CHECK(encode_request(*decoded) == bytes);
  }
}

TEST_CASE("an assign request that lacks what its action needs is refused by name",
          "[transport][protocol][assign]") {
  BodyWriter no_action;
  no_action.add("pool", "app");
  CHECK(request_error(no_action) == "request body field 'action' is missing");
  BodyWriter unknown;
  unknown.add("action", "explode");
  CHECK(request_error(unknown) == "request body field 'action' has unknown value 'explode'");
  BodyWriter attach;
  attach.add("action", "attach").add("pool", "shell");
  CHECK(request_error(attach) == "request body field 'queue' is missing");
  BodyWriter zero;
  zero.add("action", "attach").add("pool", "shell").add("queue", "q").add("weight", 0);
  CHECK(request_error(zero) == "request body field 'weight' must be at least 1");
  BodyWriter pin_nowhere;
  pin_nowhere.add("action", "pin");
  pin_nowhere.key("ids").pack_array(0);
  CHECK(request_error(pin_nowhere) == "request body field 'node' or 'pool' is needed to pin");
  BodyWriter bad_ids;
  bad_ids.add("action", "unpin").add("ids", "x");
  CHECK(request_error(bad_ids).find("'ids'") != std::string::npos);
  BodyWriter stray;
  stray.add("action", "list").add("colour", "red");
  CHECK(request_error(stray).find("colour") != std::string::npos);
}

TEST_CASE("the assignment list and drain replies survive a round trip",
          "[transport][protocol][assign]") {
  AssignmentsReply reply;
  reply.pools.push_back({"shell", "", {{"*", 1}}, true, false});
  reply.pools.push_back({"app", "n1", {{"mail", 3}, {"video", 1}}, false, true});
  reply.draining = {"n2"};
  AssignmentsReply out;
  REQUIRE(decode_body(encode_body(reply), out).ok());
  REQUIRE(out.pools.size() == 2);
  CHECK(out.pools[0].is_default);
  CHECK(out.pools[1].node == "n1");
  REQUIRE(out.pools[1].queues.size() == 2);
  CHECK(out.pools[1].queues[0].name == "mail");
  CHECK(out.pools[1].queues[0].weight == 3);
  CHECK(out.pools[1].paused);
  CHECK(out.draining == reply.draining);
  CHECK(encode_body(out) == encode_body(reply));

  DrainReply drained;
  REQUIRE(decode_body(encode_body(DrainReply{"abc"}), drained).ok());
  CHECK(drained.node == "abc");
}

TEST_CASE("a malformed assignment list reply is refused with its place",
          "[transport][protocol][assign]") {
  AssignmentsReply out;
  CHECK(decode_body("", out).message.find("reply body") != std::string::npos);
  BodyWriter no_pools;
  no_pools.add("draining", "x");
  CHECK(decode_body(no_pools.finish(), out).message == "reply body field 'pools' is missing");
  BodyWriter bad_weight;
  bad_weight.key("pools").pack_array(1);
  BodyWriter pool;
  pool.add("pool", "shell");
  pool.key("queues").pack_array(1);
  BodyWriter queue;
  queue.add("name", "q").add("weight", -2);
  pool.append_packed(queue.finish());
  bad_weight.append_packed(pool.finish());
  CHECK(decode_body(bad_weight.finish(), out).message.find("pools[0].queues[0].weight") !=
        std::string::npos);
  DrainReply drained;
  CHECK_FALSE(decode_body(BodyWriter().finish(), drained).ok());
}
