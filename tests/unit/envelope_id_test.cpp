// with_envelope_id: how a follower forwards a client's request under its
// own id and hands the leader's reply back under the client's.
#include <catch2/catch.hpp>

#include "transport/protocol/envelope.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster::protocol {

namespace {

const EnvelopeNames kNames{"request", "type", "this node"};

}  // namespace

TEST_CASE("a forwarded frame keeps its type and body under the new id", "[protocol][forward]") {
  const std::string frame = encode_envelope(41, "enqueue", "\x81\xa1q\x01");
  std::uint64_t old_id = 0;
  Result<std::string> rewritten = with_envelope_id(frame, 9, kNames, &old_id);
  REQUIRE(rewritten.ok());
  CHECK(old_id == 41);
  CHECK(*rewritten == encode_envelope(9, "enqueue", "\x81\xa1q\x01"));
  Result<std::string> back = with_envelope_id(*rewritten, old_id, kNames, nullptr);
  REQUIRE(back.ok());
  CHECK(*back == frame);
}

TEST_CASE("a frame that is not an envelope is not rewritten, with the reason",
          "[protocol][forward]") {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("\xc1"), std::string_view("\x93\x01\x02\xa1x"),
        std::string_view("\x94\x01\xa1x\xa1y\x80"), std::string_view("\x94\x07\x01\xa1y\x80"),
        std::string_view("\x94\x01\x01\xa1y\x01"),
        std::string_view("\x94\x01\x01\xa1y\x80\x00", 7)}) {
    std::uint64_t old_id = 5;
    Result<std::string> rewritten = with_envelope_id(bad, 9, kNames, &old_id);
    INFO(std::string(bad));
    CHECK_FALSE(rewritten.ok());
    CHECK_FALSE(rewritten.status().message.empty());
  }
}

}  // namespace desaster::protocol
