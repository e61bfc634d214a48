// The checks of one msgpack value that every decoder shares: type, range,
// size and UTF-8. Each returns an empty string when the value fit, else the
// problem in words that complete a sentence naming the value's place:
//   "request body field 'jobs[3].priority' " + "must be an integer in [0, 9], not a string"
//   "op.lease.grants[0].attempt: " + "must be an integer in [0, 4294967295], not nil"
// The map reader of the client protocol and the positional readers of the
// stored formats (fields.hpp) both phrase their errors through these, so a
// rule added here holds for every message family.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include <msgpack.hpp>

namespace desaster::codec {

// Any str from the network; names (queues, classes, workers, pools, nodes,
// flows) are shorter still. Binary is bounded only by its frame.
inline constexpr std::size_t kMaxStringBytes = 64u << 10;
inline constexpr std::size_t kMaxNameBytes = 255;

namespace convert {

// str only, valid UTF-8, at most max bytes.
std::string as_string(const msgpack::object& obj, std::string& out,
                      std::size_t max = kMaxStringBytes);
// A name: as_string with kMaxNameBytes and no control characters.
std::string as_name(const msgpack::object& obj, std::string& out);
// bin or str, any bytes: payloads, output, stored text of older versions.
std::string as_bytes(const msgpack::object& obj, std::string_view& out);
std::string as_bytes(const msgpack::object& obj, std::string& out);
std::string as_bool(const msgpack::object& obj, bool& out);
// An array of at most max_items.
std::string as_array(const msgpack::object& obj, std::size_t max_items,
                     const msgpack::object_array*& out);
// Integers are range-checked; the problem text carries the range.
std::string as_unsigned(const msgpack::object& obj, std::uint64_t max, std::uint64_t& out);
std::string as_signed(const msgpack::object& obj, std::int64_t min, std::int64_t max,
                      std::int64_t& out);
// ", not a string" when obj is no integer, else empty: the tail of a range error.
std::string not_integer(const msgpack::object& obj);

// Any integer type, in its whole range.
template <std::integral T>
requires(!std::same_as<T, bool>) std::string as_integer(const msgpack::object& obj, T& out) {
  std::string problem;
  if constexpr (std::is_unsigned_v<T>) {
    std::uint64_t value = 0;
    problem = as_unsigned(obj, std::numeric_limits<T>::max(), value);
    if (problem.empty()) out = static_cast<T>(value);
  } else {
    std::int64_t value = 0;
    problem = as_signed(obj, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), value);
    if (problem.empty()) out = static_cast<T>(value);
  }
  return problem;
}

// An integer in [min, max]: for every number that is added to a clock or
// multiplied, so the error tells the sender the documented range.
template <std::integral T>
requires(!std::same_as<T, bool>) std::string
    as_integer_in(const msgpack::object& obj, T& out, T min, T max) {
  bool fits = false;
  if constexpr (std::is_unsigned_v<T>) {
    std::uint64_t value = 0;
    fits = as_unsigned(obj, max, value).empty() && value >= min;
    if (fits) out = static_cast<T>(value);
  } else {
    std::int64_t value = 0;
    fits = as_signed(obj, min, max, value).empty();
    if (fits) out = static_cast<T>(value);
  }
  if (fits) return {};
  return "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]" +
         not_integer(obj);
}

}  // namespace convert
}  // namespace desaster::codec
