// Group key derivation: Argon2id, then libsodium's KDF; see group_keys.hpp.
#include "transport/security/group_keys.hpp"

#include <map>
#include <memory>
#include <mutex>

#include <sodium.h>
#include <zmq.h>

namespace desaster {

namespace {

// The KDF's context names the application (exactly 8 characters); subkey ids
// name the purpose. Both are part of the key format.
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "dstrkeys";
constexpr std::uint64_t kBeaconMacSubkey = 1;
constexpr std::uint64_t kServerCurveSubkey = 2;
constexpr std::uint64_t kClientCurveSubkey = 3;
constexpr std::string_view kSaltSource = "desaster group key salt v1";

static_assert(crypto_kdf_KEYBYTES == 32);
static_assert(crypto_box_SEEDBYTES == 32);
static_assert(crypto_box_PUBLICKEYBYTES == 32 && crypto_box_SECRETKEYBYTES == 32);

std::string z85_of(const std::array<std::uint8_t, 32>& key) {
  char text[41] = {};
  zmq_z85_encode(text, key.data(), key.size());
  return std::string(text, 40);
}

CurveKeypair keypair_from_seed(const std::array<std::uint8_t, 32>& seed) {
  CurveKeypair pair;
  crypto_box_seed_keypair(pair.public_key.data(), pair.secret_key.data(), seed.data());
  pair.public_z85 = z85_of(pair.public_key);
  pair.secret_z85 = z85_of(pair.secret_key);
  return pair;
}

std::array<std::uint8_t, 32> subkey(const std::array<std::uint8_t, 32>& master, std::uint64_t id) {
  std::array<std::uint8_t, 32> out{};
  crypto_kdf_derive_from_key(out.data(), out.size(), id, kKdfContext, master.data());
  return out;
}

}  // namespace

Result<GroupKeys> derive_group_keys(std::string_view group_key) {
  if (sodium_init() < 0) return Status::error(ErrorCode::internal, "libsodium failed to start");

  std::array<std::uint8_t, crypto_pwhash_SALTBYTES> salt{};
  crypto_generichash(salt.data(), salt.size(),
                     reinterpret_cast<const unsigned char*>(kSaltSource.data()), kSaltSource.size(),
                     nullptr, 0);
  std::array<std::uint8_t, 32> master{};
  if (crypto_pwhash(master.data(), master.size(), group_key.data(), group_key.size(), salt.data(),
                    kArgon2OpsLimit, kArgon2MemLimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::error(ErrorCode::internal,
                         "group key derivation failed (Argon2id could not allocate 32 MiB)");
  }

  GroupKeys keys;
  keys.beacon_mac_key = subkey(master, kBeaconMacSubkey);
  std::array<std::uint8_t, 32> seed = subkey(master, kServerCurveSubkey);
  keys.server = keypair_from_seed(seed);
  seed = subkey(master, kClientCurveSubkey);
  keys.client = keypair_from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(master.data(), master.size());
  return keys;
}

Result<const GroupKeys*> group_keys(std::string_view group_key) {
  // Entries are never removed, so the pointers handed out stay valid. The
  // lock is held across the derivation so two threads asking for the same
  // key derive it once.
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<const GroupKeys>, std::less<>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(group_key); it != cache.end()) return it->second.get();
  Result<GroupKeys> derived = derive_group_keys(group_key);
  if (!derived.ok()) return derived.status();
  auto stored = std::make_unique<const GroupKeys>(std::move(derived.value()));
  const GroupKeys* pointer = stored.get();
  cache.emplace(std::string(group_key), std::move(stored));
  return pointer;
}

}  // namespace desaster
