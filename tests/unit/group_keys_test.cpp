// Group key derivation: deterministic per key, distinct between keys and
// purposes, CURVE keypairs that match, Z85 forms ZeroMQ accepts, derived once
// per process. (Its cost, about 0.15 s of CPU, is a figure in README.md, not
// a test: tests never fail on timing.)
#include <catch2/catch.hpp>

#include <ctime>

#include <sodium.h>
#include <zmq.h>

#include "transport/security/group_keys.hpp"

using namespace desaster;

namespace {
const GroupKeys& keys_for(const char* key) {
  Result<const GroupKeys*> keys = group_keys(key);
  REQUIRE(keys.ok());
  return **keys;
}

std::array<std::uint8_t, 32> z85_decoded(const std::string& text) {
  std::array<std::uint8_t, 32> out{};
  REQUIRE(text.size() == 40);
  REQUIRE(zmq_z85_decode(out.data(), text.c_str()) != nullptr);
  return out;
}
}  // namespace

TEST_CASE("the same group key derives the same keys every time", "[security][keys]") {
  Result<GroupKeys> first = derive_group_keys("same key");
  Result<GroupKeys> second = derive_group_keys("same key");
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->beacon_mac_key == second->beacon_mac_key);
  CHECK(first->server.public_key == second->server.public_key);
  CHECK(first->server.secret_key == second->server.secret_key);
  CHECK(first->client.public_key == second->client.public_key);
  CHECK(first->client.secret_key == second->client.secret_key);
}

TEST_CASE("different group keys derive unrelated keys", "[security][keys]") {
  const GroupKeys& a = keys_for("group a");
  const GroupKeys& b = keys_for("group b");
  CHECK(a.beacon_mac_key != b.beacon_mac_key);
  CHECK(a.server.public_key != b.server.public_key);
  CHECK(a.client.public_key != b.client.public_key);
}

TEST_CASE("each purpose gets its own key", "[security][keys]") {
  const GroupKeys& keys = keys_for("group a");
  CHECK(keys.server.public_key != keys.client.public_key);
  CHECK(keys.server.secret_key != keys.client.secret_key);
  CHECK(keys.beacon_mac_key != keys.server.secret_key);
  CHECK(keys.beacon_mac_key != keys.client.secret_key);
}

TEST_CASE("each public key belongs to its secret key", "[security][keys]") {
  const GroupKeys& keys = keys_for("group a");
  for (const CurveKeypair* pair : {&keys.server, &keys.client}) {
    std::array<std::uint8_t, 32> public_key{};
    REQUIRE(crypto_scalarmult_base(public_key.data(), pair->secret_key.data()) == 0);
    CHECK(public_key == pair->public_key);
  }
}

TEST_CASE("the Z85 forms are 40 characters that decode to the raw keys", "[security][keys]") {
  const GroupKeys& keys = keys_for("group a");
  CHECK(z85_decoded(keys.server.public_z85) == keys.server.public_key);
  CHECK(z85_decoded(keys.server.secret_z85) == keys.server.secret_key);
  CHECK(z85_decoded(keys.client.public_z85) == keys.client.public_key);
  CHECK(z85_decoded(keys.client.secret_z85) == keys.client.secret_key);
}

TEST_CASE("an empty group key still derives keys", "[security][keys]") {
  Result<GroupKeys> keys = derive_group_keys("");
  REQUIRE(keys.ok());
  CHECK(keys->server.public_key != keys_for("default").server.public_key);
}

TEST_CASE("a group key is derived once per process", "[security][keys]") {
  const GroupKeys& first = keys_for("derived once");
  const std::clock_t start = std::clock();
  const GroupKeys& again = keys_for("derived once");
  const std::clock_t spent = std::clock() - start;
  CHECK(&first == &again);
  CHECK(spent < CLOCKS_PER_SEC / 100);  // a lookup, not an Argon2id run
}

// A fixed vector: the key format is shared with the gem (group_keys.rb has
// the same check), so a change to either derivation fails here first.
TEST_CASE("the default group key derives the documented server key", "[security][keys]") {
  const GroupKeys& keys = keys_for("default");
  char hex[65] = {};
  sodium_bin2hex(hex, sizeof hex, keys.server.public_key.data(), keys.server.public_key.size());
  CHECK(std::string(hex) == "aeb5c6ae83718d463fc5b657f82878ee3e82674770144fbfe1ac2b3d42b8b17b");
}
