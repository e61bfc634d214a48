// From bytes to msgpack objects, for every decoder of the project: client
// requests and replies, ops, snapshots, Raft messages, pool frames. Decoders
// never trust their input, and msgpack-c allocates a container's elements as
// soon as it reads the header, so a few bytes claiming four billion elements
// would cost gigabytes. unpack_bounded() therefore walks the input once
// without building anything and refuses it unless it is exactly one value,
// complete, with no trailing bytes, nested at most max_depth deep, and with
// all element counts together no larger than the input (every element takes
// at least one byte).
#pragma once

#include <cstddef>
#include <string_view>

#include <msgpack.hpp>

#include "core/model/status.hpp"

namespace desaster::codec {

// Nesting deeper than this is refused; no format of ours needs more than a few.
inline constexpr std::size_t kMaxDepth = 32;

// Exactly one msgpack value filling all of bytes. Errors start with what
// ("request is truncated", "op nests deeper than 32 levels") and carry code
// (bad_request for the network, corrupt for what was stored). Never throws.
// Strings in the result point into bytes, which must outlive the handle.
Result<msgpack::object_handle> unpack_bounded(std::string_view bytes, std::string_view what,
                                              ErrorCode code = ErrorCode::bad_request,
                                              std::size_t max_depth = kMaxDepth);

// "nil", "a boolean", "an integer", "a string", ...: what a value is, for errors.
const char* type_name(const msgpack::object& obj);

}  // namespace desaster::codec
