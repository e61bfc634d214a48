// Ruby pools in the replicated state: the pool ops' effects and codec, and
// pools in snapshots.
#include <catch2/catch.hpp>

#include "core/state/codec_detail.hpp"
#include "core/state/op_codec.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

PoolSpec pool_spec(std::string name = "web") {
  PoolSpec spec;
  spec.name = std::move(name);
  spec.node = "host-a";
  spec.dir = "/srv/app";
  spec.require_files = {"config/environment.rb", "lib/jobs.rb"};
  spec.rackup = "config.ru";
  spec.min_workers = 2;
  spec.max_workers = 8;
  spec.queues = {{"mail", 3}, {"default", 1}};
  spec.kinds = {JobKind::ruby, JobKind::http};
  spec.memory_limit_mb = 512;
  spec.timeout_ms = 60'000;
  return spec;
}

bool same(const PoolSpec& a, const PoolSpec& b) {
  auto queues_equal = [](const PoolSpec& x, const PoolSpec& y) {
    if (x.queues.size() != y.queues.size()) return false;
    for (std::size_t i = 0; i < x.queues.size(); ++i)
      if (x.queues[i].name != y.queues[i].name || x.queues[i].weight != y.queues[i].weight)
        return false;
    return true;
  };
  return a.name == b.name && a.node == b.node && a.dir == b.dir &&
         a.require_files == b.require_files && a.rackup == b.rackup &&
         a.min_workers == b.min_workers && a.max_workers == b.max_workers && queues_equal(a, b) &&
         a.kinds == b.kinds && a.memory_limit_mb == b.memory_limit_mb &&
         a.timeout_ms == b.timeout_ms && a.generation == b.generation;
}

}  // namespace

TEST_CASE("declaring a pool stores it at generation 1, redeclaring and reloading bump it",
          "[state][pool]") {
  Log log;
  REQUIRE(log.step(PoolDeclareOp{pool_spec()}).statuses.at(0).ok());
  REQUIRE(log.state.pool("web"));
  CHECK(log.state.pool("web")->generation == 1);
  CHECK(log.state.pool("web")->max_workers == 8);

  PoolSpec changed = pool_spec();
  changed.max_workers = 4;
  changed.generation = 77;  // ignored: the state numbers generations
  REQUIRE(log.step(PoolDeclareOp{changed}).statuses.at(0).ok());
  CHECK(log.state.pool("web")->generation == 2);
  CHECK(log.state.pool("web")->max_workers == 4);

  REQUIRE(log.step(PoolReloadOp{"web"}).statuses.at(0).ok());
  CHECK(log.state.pool("web")->generation == 3);
  CHECK(log.state.pools().size() == 1);
}

TEST_CASE("removing a pool forgets it, removing or reloading an unknown one is not found",
          "[state][pool]") {
  Log log;
  log.step(PoolDeclareOp{pool_spec("a")});
  log.step(PoolDeclareOp{pool_spec("b")});
  REQUIRE(log.step(PoolRemoveOp{"a"}).statuses.at(0).ok());
  REQUIRE(log.state.pools().size() == 1);
  CHECK(log.state.pools()[0].name == "b");
  CHECK(log.step(PoolRemoveOp{"a"}).statuses.at(0).code == ErrorCode::not_found);
  CHECK(log.step(PoolReloadOp{"zzz"}).statuses.at(0).code == ErrorCode::not_found);
}

TEST_CASE("an invalid pool declaration is refused with what is wrong and leaves no pool",
          "[state][pool]") {
  Log log;
  PoolSpec spec = pool_spec();
  SECTION("min above max") {
    spec.min_workers = 9;
    CHECK(log.step(PoolDeclareOp{spec}).statuses.at(0).message ==
          "pool min workers is above max workers");
  }
  SECTION("a relative directory") {
    spec.dir = "app";
    CHECK(log.step(PoolDeclareOp{spec}).statuses.at(0).message ==
          "pool dir must be an absolute path");
  }
  SECTION("nothing to load") {
    spec.require_files.clear();
    spec.rackup.clear();
    spec.kinds = {JobKind::ruby};
    CHECK(log.step(PoolDeclareOp{spec}).statuses.at(0).code == ErrorCode::bad_request);
  }
  SECTION("a kind Ruby does not run") {
    spec.kinds = {JobKind::shell};
    CHECK(log.step(PoolDeclareOp{spec}).statuses.at(0).message ==
          "a Ruby pool cannot run shell jobs");
  }
  SECTION("a bad name") {
    spec.name = "a b";
    CHECK(log.step(PoolDeclareOp{spec}).statuses.at(0).code == ErrorCode::bad_request);
  }
  CHECK(log.state.pools().empty());
}

TEST_CASE("pool ops survive the op codec", "[state][pool][codec]") {
  PoolSpec spec = pool_spec();
  spec.generation = 5;
  Result<Op> declared = decode_op(encode_op(PoolDeclareOp{spec}));
  REQUIRE(declared.ok());
  CHECK(same(std::get<PoolDeclareOp>(*declared).spec, spec));
  Result<Op> removed = decode_op(encode_op(PoolRemoveOp{"web"}));
  REQUIRE(removed.ok());
  CHECK(std::get<PoolRemoveOp>(*removed).name == "web");
  Result<Op> reloaded = decode_op(encode_op(PoolReloadOp{"web"}));
  REQUIRE(reloaded.ok());
  CHECK(std::get<PoolReloadOp>(*reloaded).name == "web");
}

TEST_CASE("a malformed pool op is refused with the field it is about", "[state][pool][codec]") {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(3);
  pk.pack(kOpFormatVersion);
  pk.pack(14);  // pool_declare
  pk.pack_array(12);
  pk.pack(std::string("web"));
  pk.pack(std::string(""));
  pk.pack(std::string("/srv"));
  pk.pack_array(1);
  pk.pack(7);  // a require file that is not a string
  for (int i = 0; i < 8; ++i) pk.pack(0);
  Result<Op> op = decode_op(std::string_view(buffer.data(), buffer.size()));
  REQUIRE_FALSE(op.ok());
  CHECK(op.status().message.find("op.pool_declare.spec.require[0]") != std::string::npos);
}

TEST_CASE("pools survive a snapshot, and a version 1 snapshot without pools still loads",
          "[state][pool][snapshot]") {
  Log log;
  log.step(PoolDeclareOp{pool_spec("a")});
  log.step(PoolDeclareOp{pool_spec("b")});
  log.step(PoolReloadOp{"b"});
  Result<State> restored = State::decode_snapshot(log.state.encode_snapshot());
  REQUIRE(restored.ok());
  REQUIRE(restored->pools().size() == 2);
  CHECK(same(restored->pools()[0], *log.state.pool("a")));
  CHECK(same(restored->pools()[1], *log.state.pool("b")));
  CHECK(restored->pool("b")->generation == 2);

  // Version 1 had no pools field.
  Log empty;
  std::string v2 = empty.state.encode_snapshot();
  msgpack::object_handle handle = msgpack::unpack(v2.data(), v2.size());
  const msgpack::object_array& fields = handle.get().via.array;
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(9);
  pk.pack(fields.ptr[0]);
  pk.pack(1);
  for (std::uint32_t i = 2; i < 9; ++i) pk.pack(fields.ptr[i]);
  Result<State> v1 = State::decode_snapshot(std::string_view(buffer.data(), buffer.size()));
  INFO(v1.status().message);
  REQUIRE(v1.ok());
  CHECK(v1->pools().empty());
}
