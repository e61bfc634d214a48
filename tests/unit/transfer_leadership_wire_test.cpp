// "transfer_leadership" below the node: the request and reply on the wire
// (malformed ones refused, naming the field) and desasterctl's arguments.
#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/envelope.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/transfer_wire.hpp"
#include "ui/desasterctl/ctl_args.hpp"

using namespace desaster;
using namespace desaster::protocol;

TEST_CASE("a transfer_leadership request survives a round trip with or without a target",
          "[transfer][protocol]") {
  for (const std::string& node : {std::string(), std::string("a1b2c3d4e5f60718293a4b5c6d7e8f90")}) {
    Result<Request> decoded = decode_request(encode_request(Request{7, TransferLeadership{node}}));
    REQUIRE(decoded.ok());
    CHECK(std::string(request_type(decoded->body)) == "transfer_leadership");
    REQUIRE(std::holds_alternative<TransferLeadership>(decoded->body));
    CHECK(std::get<TransferLeadership>(decoded->body).node == node);
  }
}

TEST_CASE("a malformed transfer_leadership request is refused with the field named",
          "[transfer][protocol]") {
  BodyWriter wrong_type;
  wrong_type.add("node", 5);
  Result<Request> a =
      decode_request(encode_envelope(42, "transfer_leadership", wrong_type.finish()));
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code == ErrorCode::bad_request);
  CHECK_THAT(a.status().message, Catch::Contains("node"));

  BodyWriter too_long;
  too_long.add("node", std::string(33, 'a'));
  Result<Request> b = decode_request(encode_envelope(42, "transfer_leadership", too_long.finish()));
  REQUIRE_FALSE(b.ok());
  CHECK_THAT(b.status().message, Catch::Contains("node"));

  BodyWriter unknown;
  unknown.add("node", "").add("force", true);
  Result<Request> c = decode_request(encode_envelope(42, "transfer_leadership", unknown.finish()));
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.status().message, Catch::Contains("'force' is not known"));
}

TEST_CASE("a transfer_leadership reply survives a round trip and a broken one is refused",
          "[transfer][protocol]") {
  TransferLeadershipReply reply{"a1b2c3d4e5f60718293a4b5c6d7e8f90",
                                "00112233445566778899aabbccddeeff",
                                "00112233445566778899aabbccddeeff", 12};
  TransferLeadershipReply back;
  REQUIRE(decode_body(encode_body(reply), back).ok());
  CHECK(back.from == reply.from);
  CHECK(back.to == reply.to);
  CHECK(back.leader == reply.leader);
  CHECK(back.term == 12);

  BodyWriter no_from;
  no_from.add("term", 1);
  CHECK_FALSE(decode_body(no_from.finish(), back).ok());
  BodyWriter bad_term;
  bad_term.add("from", "x").add("term", -3);
  Status s = decode_body(bad_term.finish(), back);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message, Catch::Contains("term"));
  BodyWriter long_leader;
  long_leader.add("from", "x").add("leader", std::string(40, 'f'));
  CHECK_FALSE(decode_body(long_leader.finish(), back).ok());
  CHECK_FALSE(decode_body(std::string("\xc1", 1), back).ok());              // not msgpack
  CHECK_FALSE(decode_body(std::string("\x93\x01\x02\x03", 4), back).ok());  // not a map
}

TEST_CASE("desasterctl transfer-leadership takes at most one node id", "[transfer][ctl]") {
  auto any = parse_ctl_args({"transfer-leadership"});
  REQUIRE(any.ok());
  CHECK(any->command == "transfer-leadership");
  CHECK(any->transfer_node.empty());

  auto named = parse_ctl_args({"transfer-leadership", "a1b2"});
  REQUIRE(named.ok());
  CHECK(named->transfer_node == "a1b2");

  auto two = parse_ctl_args({"transfer-leadership", "a1b2", "c3d4"});
  REQUIRE_FALSE(two.ok());
  CHECK_THAT(two.status().message, Catch::Contains("unexpected argument 'c3d4'"));
  for (const char* bad : {"abc", "node-1", "A1B2", "0123456789abcdef0123456789abcdef0"}) {
    auto refused = parse_ctl_args({"transfer-leadership", bad});
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.status().message, Catch::Contains("is not a node id"));
  }
  CHECK_THAT(ctl_help_text(), Catch::Contains("transfer-leadership [NODE]"));
}
