// The clustered node's journal snapshot: the State's bytes with the
// membership as of its index; a standalone node's snapshot still reads.
#include <catch2/catch.hpp>

#include "core/cluster/stored_snapshot.hpp"

namespace desaster::raft {

TEST_CASE("a stored snapshot keeps the membership and the state's bytes", "[raft][snapshot]") {
  ConfState conf;
  conf.voters = {NodeId{1, 2}, NodeId{3, 4}};
  conf.learners = {NodeId{5, 6}};
  const std::string data("\x92\x01\x02\x00state", 9);
  Result<StoredSnapshot> back = decode_stored_snapshot(encode_stored_snapshot(conf, data));
  REQUIRE(back.ok());
  CHECK(back->conf == conf);
  CHECK(back->data == data);
}

TEST_CASE("a standalone node's snapshot reads as the state's bytes with no membership",
          "[raft][snapshot]") {
  Result<StoredSnapshot> back = decode_stored_snapshot("\x93\x01\x02\x03");
  REQUIRE(back.ok());
  CHECK(back->conf == ConfState{});
  CHECK(back->data == "\x93\x01\x02\x03");
}

TEST_CASE("a damaged stored snapshot is refused as corrupt, naming the field", "[raft][snapshot]") {
  ConfState conf;
  conf.voters = {NodeId{1, 2}};
  const std::string good = encode_stored_snapshot(conf, "data");
  // Every cut of the bytes after the magic.
  for (std::size_t size = kStoredSnapshotMagic.size(); size < good.size(); ++size) {
    Result<StoredSnapshot> cut = decode_stored_snapshot(good.substr(0, size));
    INFO(size);
    CHECK_FALSE(cut.ok());
  }
  std::string other_version = good;
  other_version[kStoredSnapshotMagic.size() + 1] = 2;
  Result<StoredSnapshot> versioned = decode_stored_snapshot(other_version);
  REQUIRE_FALSE(versioned.ok());
  CHECK(versioned.status().code == ErrorCode::corrupt);
  CHECK_THAT(versioned.status().message, Catch::Contains("version"));

  ConfState both;
  both.voters = {NodeId{1, 2}};
  both.learners = {NodeId{1, 2}};
  Result<StoredSnapshot> twice = decode_stored_snapshot(encode_stored_snapshot(both, "d"));
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.status().message, Catch::Contains("learners"));
  CHECK_FALSE(decode_stored_snapshot(std::string(kStoredSnapshotMagic) + "\xc1").ok());
}

}  // namespace desaster::raft
