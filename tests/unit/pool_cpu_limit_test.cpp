// A Ruby pool's CPU limit in its declaration: the op codec (and the
// 12-field form from before the limit), the client protocol's pool map, the
// validation and desasterctl's --cpu.
#include <catch2/catch.hpp>

#include "core/state/op_codec.hpp"
#include "transport/protocol/messages.hpp"
#include "ui/desasterctl/ctl_args.hpp"

using namespace desaster;

namespace {

PoolSpec limited() {
  PoolSpec spec;
  spec.name = "web";
  spec.dir = "/srv/app";
  spec.require_files = {"jobs.rb"};
  spec.cpu_limit_percent = 80;
  spec.limit_grace_ms = 5000;
  return spec;
}

}  // namespace

TEST_CASE("a pool's CPU limit survives the op codec and the protocol", "[pool][monitor]") {
  Result<Op> op = decode_op(encode_op(PoolDeclareOp{limited()}));
  INFO(op.status().message);
  REQUIRE(op.ok());
  const PoolSpec& spec = std::get<PoolDeclareOp>(*op).spec;
  CHECK(spec.cpu_limit_percent == 80);
  CHECK(spec.limit_grace_ms == 5000);

  protocol::PoolCommand command{protocol::PoolAction::add, "web", limited()};
  Result<protocol::Request> request =
      protocol::decode_request(protocol::encode_request({3, command}));
  REQUIRE(request.ok());
  const auto& decoded = std::get<protocol::PoolCommand>(request->body);
  CHECK(decoded.spec->cpu_limit_percent == 80);
  CHECK(decoded.spec->limit_grace_ms == 5000);
  CHECK(pool_limit_grace_ms(PoolSpec{}) == kDefaultLimitGraceMs);
}

TEST_CASE("a pool declaration from before CPU limits loads without one", "[pool][monitor]") {
  std::string bytes = encode_op(PoolDeclareOp{limited()});
  msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
  const msgpack::object_array& op = handle.get().via.array;
  const msgpack::object_array& spec = op.ptr[2].via.array;
  auto with_fields = [&](std::uint32_t n) {
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> pk(buffer);
    pk.pack_array(3);
    pk.pack(op.ptr[0]);
    pk.pack(op.ptr[1]);
    pk.pack_array(n);
    for (std::uint32_t i = 0; i < n; ++i) pk.pack(spec.ptr[i]);
    return std::string(buffer.data(), buffer.size());
  };
  Result<Op> old = decode_op(with_fields(12));
  INFO(old.status().message);
  REQUIRE(old.ok());
  CHECK(std::get<PoolDeclareOp>(*old).spec.cpu_limit_percent == 0);
  Result<Op> torn = decode_op(with_fields(13));
  REQUIRE_FALSE(torn.ok());
  CHECK(torn.status().message.find("expected 12 or 14 fields, got 13") != std::string::npos);
}

TEST_CASE("a CPU limit beyond any machine is refused", "[pool][monitor]") {
  PoolSpec spec = limited();
  spec.cpu_limit_percent = kMaxCpuLimitPercent + 1;
  CHECK(check_pool_spec(spec).find("CPU limit") != std::string::npos);
}

TEST_CASE("pool add takes --cpu and --cpu-grace", "[pool][monitor][ctl]") {
  auto args = parse_ctl_args({"pool", "add", "web", "--dir", "/srv", "--require", "a.rb", "--cpu",
                              "150", "--cpu-grace", "10s"});
  INFO(args.status().message);
  REQUIRE(args.ok());
  CHECK(args->pool.spec->cpu_limit_percent == 150);
  CHECK(args->pool.spec->limit_grace_ms == 10'000);
  auto bad =
      parse_ctl_args({"pool", "add", "web", "--dir", "/srv", "--require", "a.rb", "--cpu", "lots"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message.find("--cpu: 'lots'") != std::string::npos);
}
