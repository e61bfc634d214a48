// Worker assignment in snapshots (version 3): it survives a round trip,
// older snapshots load without it, and a damaged one is refused by place.
#include <catch2/catch.hpp>

#include "tests/unit/snapshot_test_support.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

PoolSpec app_pool() {
  PoolSpec spec;
  spec.name = "app";
  spec.dir = "/srv/app";
  spec.require_files = {"app.rb"};
  return spec;
}

void assign_some(Log& log) {
  REQUIRE(log.one(PoolDeclareOp{app_pool()}).ok());
  REQUIRE(log.one(PoolAttachOp{"shell", "mail", 3, ""}).ok());
  REQUIRE(log.one(PoolAttachOp{"shell", "video", 1, "n2"}).ok());
  REQUIRE(log.one(PoolAttachOp{"app", "*", 2, ""}).ok());
  REQUIRE(log.one(PoolPauseOp{"app", "n1", true}).ok());
  REQUIRE(log.one(NodeDrainOp{"n3", true}).ok());
  log.step(EnqueueOp{{make_job(1, "mail")}});
  REQUIRE(log.one(PinOp{{1}, "n2", "shell"}).ok());
}

// The top-level array re-packed: the last `drop` fields left out and the
// field at `index` replaced by `write` (if given).
std::string repacked(const std::string& snapshot, std::size_t drop, std::size_t index,
                     const std::function<void(Packer&)>& write) {
  msgpack::object_handle handle = msgpack::unpack(snapshot.data(), snapshot.size());
  const msgpack::object_array& fields = handle.get().via.array;
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  pk.pack_array(static_cast<std::uint32_t>(fields.size - drop));
  for (std::uint32_t i = 0; i < fields.size - drop; ++i) {
    if (i == index && write) {
      write(pk);
    } else {
      pk.pack(fields.ptr[i]);
    }
  }
  return std::string(buffer.data(), buffer.size());
}

std::string error_of(const std::string& bytes) {
  Result<State> r = State::decode_snapshot(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code == ErrorCode::corrupt);
  return r.status().message;
}

// An assignments field [attached, paused, draining] written by the test.
std::function<void(Packer&)> assignments(const std::function<void(Packer&)>& attached,
                                         const std::function<void(Packer&)>& paused,
                                         const std::function<void(Packer&)>& draining) {
  return [=](Packer& pk) {
    pk.pack_array(3);
    attached(pk);
    paused(pk);
    draining(pk);
  };
}

void empty_array(Packer& pk) {
  pk.pack_array(0);
}

}  // namespace

TEST_CASE("worker assignments and pins survive a snapshot", "[state][snapshot][assign]") {
  Log log;
  assign_some(log);
  std::string bytes = log.state.encode_snapshot();
  Result<State> restored = State::decode_snapshot(bytes);
  REQUIRE(restored.ok());
  CHECK(restored->assignments() == log.state.assignments());
  CHECK(restored->assignments().node_draining("n3"));
  CHECK(restored->assignments().pool_paused("app", "n1"));
  CHECK(restored->find(1)->pin_node == "n2");
  CHECK(restored->encode_snapshot() == bytes);
}

TEST_CASE("a version 2 snapshot loads with no assignments", "[state][snapshot][assign]") {
  Log log;
  REQUIRE(log.one(PoolDeclareOp{app_pool()}).ok());
  std::string v2 = snapshot_as_v2(log.state.encode_snapshot());
  Result<State> restored = State::decode_snapshot(v2);
  REQUIRE(restored.ok());
  CHECK(restored->assignments().empty());
  CHECK(restored->pool("app") != nullptr);
  // The current version without its last field is refused.
  CHECK(error_of(repacked(log.state.encode_snapshot(), 1, 99, {})) ==
        "snapshot: expected 15 fields, got 14");
}

TEST_CASE("a snapshot with damaged assignments is refused with the place",
          "[state][snapshot][assign]") {
  Log log;
  assign_some(log);
  const std::string good = log.state.encode_snapshot();
  auto with = [&](const std::function<void(Packer&)>& write) {
    return error_of(repacked(good, 0, 10, write));
  };
  CHECK(with([](Packer& pk) { pk.pack(1); }) ==
        "snapshot.assignments: must be an array, not an integer");
  auto attached_entry = [](std::string pool, std::string queue, std::uint32_t weight) {
    return [=](Packer& pk) {
      pk.pack_array(1);
      pk.pack_array(3);
      pk.pack(pool);
      pk.pack(std::string());
      pk.pack_array(1);
      pk.pack_array(2);
      pk.pack(queue);
      pk.pack(weight);
    };
  };
  CHECK(with(assignments(attached_entry("ghost", "q", 1), empty_array, empty_array)) ==
        "snapshot.assignments.attached[0]: pool 'ghost' is not declared");
  CHECK(with(assignments(attached_entry("shell", "q", 0), empty_array, empty_array))
            .find("weight 0 is outside") != std::string::npos);
  CHECK(with(assignments(attached_entry("shell", "bad queue", 1), empty_array, empty_array))
            .find("outside [A-Za-z0-9_.:-]") != std::string::npos);
  CHECK(with(assignments(
            [](Packer& pk) {
              pk.pack_array(1);
              pk.pack_array(3);
              pk.pack(std::string("shell"));
              pk.pack(std::string());
              pk.pack_array(0);
            },
            empty_array, empty_array)) ==
        "snapshot.assignments.attached[0].queues: holds no queue");
  CHECK(with(assignments(empty_array, empty_array, [](Packer& pk) {
          pk.pack_array(2);
          pk.pack(std::string("n1"));
          pk.pack(std::string("n1"));
        })) == "snapshot.assignments.draining[1]: is repeated");
  CHECK(with(assignments(
            empty_array,
            [](Packer& pk) {
              pk.pack_array(1);
              pk.pack_array(2);
              pk.pack(std::string("ghost"));
              pk.pack(std::string());
            },
            empty_array)) == "snapshot.assignments.paused[0]: pool 'ghost' is not declared");
}
