// The keys of a group, all derived from its group key string (-k).
//
// Argon2id (libsodium's crypto_pwhash) turns the group key into a 32-byte
// master key; crypto_kdf_derive_from_key then gives one subkey per purpose:
// the beacon MAC key and the seeds of two CURVE keypairs shared by the whole
// group. Nodes' ZeroMQ servers use the server keypair; clients use the client
// keypair; node-to-node DEALERs present the server keypair. Whoever holds the
// group key can therefore derive every key, connect and be accepted; whoever
// does not is refused by the ZAP handler (zap_handler.hpp) and cannot forge a
// beacon. The salt is a fixed project constant because members never
// exchange anything before they trust each other.
//
// Threading: group_keys() may be called from any thread; derivation runs once
// per distinct key string per process and the result lives until exit.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/model/status.hpp"

namespace desaster {

using SymmetricKey = std::array<std::uint8_t, 32>;

// A CURVE keypair, both as raw bytes and as the 40-character Z85 text that
// ZMQ_CURVE_PUBLICKEY / ZMQ_CURVE_SECRETKEY / ZMQ_CURVE_SERVERKEY take.
struct CurveKeypair {
  std::array<std::uint8_t, 32> public_key{};
  std::array<std::uint8_t, 32> secret_key{};
  std::string public_z85;
  std::string secret_z85;
};

struct GroupKeys {
  SymmetricKey beacon_mac_key{};
  CurveKeypair server;  // every node's ZeroMQ servers; node-to-node DEALERs
  CurveKeypair client;  // clients, workers and UIs
};

// Argon2id cost: 2 passes over 32 MiB (libsodium's "interactive" level
// with half its memory). About 0.15 s of one core, 0.3 s on our loaded
// two-core test machine, so a node or a desasterctl call (each derives once)
// starts well within 0.5 s; and every guess at a weak group key (often a
// short passphrase, and a captured beacon lets an attacker test guesses
// offline) costs as much time and 32 MiB. Changing these changes every key:
// it is a new key format and needs kKeyFormatVersion bumped.
inline constexpr unsigned long long kArgon2OpsLimit = 2;
inline constexpr std::size_t kArgon2MemLimit = 32u << 20;
inline constexpr int kKeyFormatVersion = 1;

// Derives without caching (about 0.15 s). Fails only when libsodium cannot
// start or cannot allocate the Argon2 memory.
Result<GroupKeys> derive_group_keys(std::string_view group_key);

// The cached derivation: the first call for a key derives, later calls return
// the same object. Fails as derive_group_keys() does (a failure is not
// cached).
Result<const GroupKeys*> group_keys(std::string_view group_key);

}  // namespace desaster
