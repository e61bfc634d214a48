// The codec of the job-action ops (kill, relocate, re-role, reschedule):
// round trips with every field, and malformed records refused with the
// field named.
#include <catch2/catch.hpp>

#include "core/state/op_codec.hpp"

using namespace desaster;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

template <typename T>
T round_trip(const T& op) {
  std::string bytes = encode_op(op);
  Result<Op> decoded = decode_op(bytes);
  INFO(decoded.status().message);
  REQUIRE(decoded.ok());
  REQUIRE(std::holds_alternative<T>(*decoded));
  CHECK(encode_op(*decoded) == bytes);
  return std::get<T>(*decoded);
}

// The type code the codec gives T (position in the Op variant + 1).
template <typename T>
std::uint32_t type_of() {
  std::string bytes = encode_op(T{});
  msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
  return handle.get().via.array.ptr[1].as<std::uint32_t>();
}

std::string op_bytes(std::uint32_t fields, std::uint32_t type,
                     const std::function<void(Packer&)>& rest) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  pk.pack_array(fields);
  pk.pack(kOpFormatVersion);
  pk.pack(type);
  rest(pk);
  return std::string(buffer.data(), buffer.size());
}

std::string error_of(const std::string& bytes) {
  Result<Op> decoded = decode_op(bytes);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code == ErrorCode::corrupt);
  return decoded.status().message;
}

}  // namespace

TEST_CASE("the job-action ops survive a round trip", "[state][codec][actions]") {
  SECTION("kill") {
    KillOp out = round_trip(KillOp{{1, 0xffffffffffffffff}});
    CHECK(out.ids == std::vector<JobId>{1, 0xffffffffffffffff});
  }
  SECTION("relocate") {
    RelocateOp out = round_trip(RelocateOp{{5}, "mail", true, "node-b"});
    CHECK(out.ids == std::vector<JobId>{5});
    CHECK(out.queue == "mail");
    CHECK(out.set_pin);
    CHECK(out.pin_node == "node-b");
    RelocateOp unpin = round_trip(RelocateOp{{5}, "", false, ""});
    CHECK_FALSE(unpin.set_pin);
    CHECK(unpin.queue.empty());
  }
  SECTION("re-role with every field") {
    ReroleOp op;
    op.ids = {7, 8};
    op.job_class = "Mailer";
    op.priority = -3;
    op.flow = "";
    op.queue = "q";
    ReroleOp out = round_trip(op);
    CHECK(out.ids == op.ids);
    CHECK(out.job_class == op.job_class);
    CHECK(out.priority == op.priority);
    REQUIRE(out.flow);
    CHECK(out.flow->empty());  // present but empty stays present
    CHECK(out.queue == op.queue);
  }
  SECTION("re-role with none") {
    ReroleOp out = round_trip(ReroleOp{{1}, {}, {}, {}, {}});
    CHECK_FALSE(out.job_class);
    CHECK_FALSE(out.priority);
    CHECK_FALSE(out.flow);
    CHECK_FALSE(out.queue);
  }
  SECTION("reschedule") {
    RescheduleOp out = round_trip(RescheduleOp{{3}, -5});
    CHECK(out.ids == std::vector<JobId>{3});
    CHECK(out.run_at == -5);
  }
}

TEST_CASE("malformed job-action ops are refused with the field named", "[state][codec][actions]") {
  const std::uint32_t relocate = type_of<RelocateOp>();
  const std::uint32_t rerole = type_of<ReroleOp>();
  const std::uint32_t reschedule = type_of<RescheduleOp>();
  const std::uint32_t kill = type_of<KillOp>();
  CHECK(error_of(op_bytes(3, kill, [](Packer& pk) { pk.pack("x"); })) ==
        "op.kill.ids: must be an array, not a string");
  CHECK_THAT(error_of(op_bytes(5, relocate,
                               [](Packer& pk) {
                                 pk.pack_array(0);
                                 pk.pack("q");
                                 pk.pack(true);
                               })),
             Catch::Contains("op.relocate: expected 6 fields, got 5"));
  CHECK_THAT(error_of(op_bytes(6, relocate,
                               [](Packer& pk) {
                                 pk.pack_array(0);
                                 pk.pack("q");
                                 pk.pack(3);
                                 pk.pack("n");
                               })),
             Catch::Contains("op.relocate.set_pin"));
  // A value that is absent must still be of its type.
  CHECK_THAT(error_of(op_bytes(11, rerole,
                               [](Packer& pk) {
                                 pk.pack_array(0);
                                 pk.pack(false);
                                 pk.pack("");
                                 pk.pack(false);
                                 pk.pack(std::int64_t{1} << 40);
                                 pk.pack(false);
                                 pk.pack("");
                                 pk.pack(false);
                                 pk.pack("");
                               })),
             Catch::Contains("op.rerole.priority"));
  CHECK_THAT(error_of(op_bytes(4, reschedule,
                               [](Packer& pk) {
                                 pk.pack_array(1);
                                 pk.pack(-1);
                                 pk.pack(0);
                               })),
             Catch::Contains("op.reschedule.ids[0]"));
}
