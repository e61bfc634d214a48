// A job's identity for the timed de-duplication blacklist: its unique key
// when it has one, else a hash of its class and payload. The hash is part of
// the replicated state (every node must compute the same identity for the
// same job, in every build), so it is fixed here and never changes:
//
//   FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over
//   the bytes  u64_le(len(class)) | class | payload
//
// The length prefix keeps ("ab", "c") and ("a", "bc") apart. FNV-1a is not
// collision resistant against an adversary; a client that wants exact
// identities sets a unique key, which is compared as is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace desaster {

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t seed = 0xcbf29ce484222325ull);
std::uint64_t job_content_hash(std::string_view job_class, std::string_view payload);

// "key:<unique key>" or "hash:<16 lower-case hex digits>": one string space,
// so list and search treat both alike and a key can never pass for a hash.
std::string dedup_identity(std::string_view unique_key, std::string_view job_class,
                           std::string_view payload);

}  // namespace desaster
