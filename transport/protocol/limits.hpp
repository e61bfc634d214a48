// The documented ranges of the client protocol's numbers and sizes
// (workers/ruby/PROTOCOL.md, "Limits"). Every number a node adds to its
// clock or multiplies is read with one of these ranges (MapReader::read_in),
// so an out-of-range value is refused with the field and the range in the
// error instead of overflowing into "now" or "never".
#pragma once

#include <cstddef>
#include <cstdint>

namespace desaster::protocol {

// A delay from now ("in_ms", windows, retention): at most ten years.
inline constexpr std::int64_t kMaxDelayMs = 10ll * 365 * 24 * 3600 * 1000;
// An absolute time ("run_at", query bounds): up to 9999-12-31T23:59:59.999Z.
inline constexpr std::int64_t kMaxTimeMs = 253'402'300'799'999;
// A job's arguments (the payload), in bytes.
inline constexpr std::size_t kMaxPayloadBytes = 1u << 20;
// A job's "unique" key, which may be a digest of its arguments or the arguments.
inline constexpr std::size_t kMaxUniqueKeyBytes = 1024;
// Jobs in one list page.
inline constexpr std::uint32_t kMaxPageSize = 10'000;
// Worker slots one hello or credit may grant, and a worker may hold.
inline constexpr std::uint32_t kMaxSlots = 100'000;

}  // namespace desaster::protocol
