// The snapshot file format: round trip and rejection of damaged files.
#include "core/journal/snapshot_file.hpp"

#include <catch2/catch.hpp>

namespace desaster {

TEST_CASE("a snapshot file decodes to the snapshot that was encoded", "[journal][snapshot]") {
  Snapshot snapshot{42, 7, std::string("state\0bytes", 11)};
  auto decoded = decode_snapshot_file(encode_snapshot_file(snapshot));
  REQUIRE(decoded.ok());
  CHECK(decoded->index == 42);
  CHECK(decoded->term == 7);
  CHECK(decoded->state == snapshot.state);

  decoded = decode_snapshot_file(encode_snapshot_file(Snapshot{1, 1, ""}));
  REQUIRE(decoded.ok());
  CHECK(decoded->state.empty());
}

TEST_CASE("a damaged snapshot file is rejected with what is wrong", "[journal][snapshot]") {
  const std::string good = encode_snapshot_file(Snapshot{42, 7, "the state"});
  auto check = [](const std::string& bytes, const char* expected) {
    auto decoded = decode_snapshot_file(bytes);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().code == ErrorCode::corrupt);
    CHECK_THAT(decoded.status().message, Catch::Contains(expected));
  };
  check(good.substr(0, 20), "header truncated");
  check(good.substr(0, good.size() - 1), "length");
  check(good + "x", "length");
  std::string bad = good;
  bad[1] = 'x';
  check(bad, "magic");
  bad = good;
  bad[8] = 9;
  check(bad, "version 9");
  bad = good;
  bad[12] ^= 1;  // the index: covered by the crc too
  check(bad, "crc mismatch");
  bad = good;
  bad.back() ^= 1;
  check(bad, "crc mismatch");
}

}  // namespace desaster
