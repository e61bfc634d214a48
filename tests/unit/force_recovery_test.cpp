// Force-recovery below the node: the request and reply on the wire (and
// malformed ones refused), desasterctl's refusal without the risk flag, and
// the sole_voter membership change it writes.
#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include "core/cluster/autopilot.hpp"
#include "core/cluster/raft_types.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/envelope.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/recovery_wire.hpp"
#include "ui/desasterctl/ctl_args.hpp"

using namespace desaster;
using namespace desaster::protocol;

namespace {

LogEntry conf_entry(std::uint64_t index, raft::ConfChange change) {
  return LogEntry{index, 1, 0, raft::encode_conf_change(change), EntryKind::config_change};
}

}  // namespace

TEST_CASE("a force_recovery request survives a round trip with its risk flag",
          "[recovery][protocol]") {
  for (bool accept : {false, true}) {
    const std::string bytes = encode_request(Request{7, ForceRecovery{accept}});
    Result<Request> decoded = decode_request(bytes);
    REQUIRE(decoded.ok());
    CHECK(std::string(request_type(decoded->body)) == "force_recovery");
    REQUIRE(std::holds_alternative<ForceRecovery>(decoded->body));
    CHECK(std::get<ForceRecovery>(decoded->body).accept_risk == accept);
  }
}

TEST_CASE("a malformed force_recovery request is refused with the field named",
          "[recovery][protocol]") {
  BodyWriter wrong_type;
  wrong_type.add("accept_risk", "yes");
  Result<Request> a = decode_request(encode_envelope(42, "force_recovery", wrong_type.finish()));
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code == ErrorCode::bad_request);
  CHECK_THAT(a.status().message, Catch::Contains("accept_risk"));

  BodyWriter unknown;
  unknown.add("accept_risk", true).add("force", true);
  Result<Request> b = decode_request(encode_envelope(42, "force_recovery", unknown.finish()));
  REQUIRE_FALSE(b.ok());
  CHECK_THAT(b.status().message, Catch::Contains("'force' is not known"));

  // Without the field the risk is not accepted.
  Result<Request> c = decode_request(encode_envelope(42, "force_recovery", BodyWriter{}.finish()));
  REQUIRE(c.ok());
  CHECK_FALSE(std::get<ForceRecovery>(c->body).accept_risk);
}

TEST_CASE("a force_recovery reply survives a round trip and a broken one is refused",
          "[recovery][protocol]") {
  ForceRecoveryReply reply{"a1b2c3d4e5f60718293a4b5c6d7e8f90", 7, 1234, {"ff00", "ee11"}};
  ForceRecoveryReply back;
  REQUIRE(decode_body(encode_body(reply), back).ok());
  CHECK(back.node == reply.node);
  CHECK(back.term == 7);
  CHECK(back.index == 1234);
  CHECK(back.dropped == reply.dropped);

  BodyWriter no_node;
  no_node.add("term", 1);
  CHECK_FALSE(decode_body(no_node.finish(), back).ok());
  BodyWriter bad_dropped;
  bad_dropped.add("node", "x").add("dropped", 5);
  Status s = decode_body(bad_dropped.finish(), back);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message, Catch::Contains("dropped"));
  CHECK_FALSE(decode_body(std::string("\xc1", 1), back).ok());              // not msgpack
  CHECK_FALSE(decode_body(std::string("\x93\x01\x02\x03", 4), back).ok());  // not a map
}

TEST_CASE("desasterctl force-recovery refuses to send without the risk flag", "[recovery][ctl]") {
  auto refused = parse_ctl_args({"force-recovery"});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code == ErrorCode::bad_request);
  CHECK_THAT(refused.status().message, Catch::Contains("--yes-i-accept-the-risk"));
  CHECK_THAT(refused.status().message, Catch::Contains("lost for good"));

  auto stray = parse_ctl_args({"force-recovery", "--yes-i-accept-the-risk", "now"});
  REQUIRE_FALSE(stray.ok());
  CHECK_THAT(stray.status().message, Catch::Contains("unexpected argument 'now'"));

  auto accepted = parse_ctl_args({"-c", "10.0.0.1", "force-recovery", "--yes-i-accept-the-risk"});
  REQUIRE(accepted.ok());
  CHECK(accepted->command == "force-recovery");
  CHECK(accepted->accept_risk);
  CHECK_THAT(ctl_help_text(), Catch::Contains("force-recovery --yes-i-accept-the-risk"));
  CHECK_THAT(ctl_help_text(), Catch::Contains("RISK"));
}

TEST_CASE("a sole_voter change leaves its node the only member, and later changes apply on top",
          "[recovery][raft]") {
  using raft::ConfChangeType;
  const raft::NodeId a = raft::NodeId::from_u64(1), b = raft::NodeId::from_u64(2),
                     c = raft::NodeId::from_u64(3);
  const std::vector<LogEntry> log{conf_entry(1, {ConfChangeType::promote, a}),
                                  conf_entry(2, {ConfChangeType::promote, b}),
                                  conf_entry(3, {ConfChangeType::add_learner, c}),
                                  conf_entry(4, {ConfChangeType::sole_voter, c}),
                                  conf_entry(5, {ConfChangeType::add_learner, a})};
  const raft::ConfState conf = raft::conf_after({}, log);
  CHECK(conf.voters == std::set<raft::NodeId>{c});
  CHECK(conf.learners == std::set<raft::NodeId>{a});

  Result<raft::ConfChange> decoded =
      raft::decode_conf_change(raft::encode_conf_change({ConfChangeType::sole_voter, c}));
  REQUIRE(decoded.ok());
  CHECK(decoded->type == ConfChangeType::sole_voter);
  CHECK(std::string(raft::to_string(ConfChangeType::sole_voter)) == "sole_voter");
}
