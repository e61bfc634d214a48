// Reading records stored as msgpack arrays (ops, snapshots, Raft messages,
// qdisc accounting): typed reads that name the place of a mismatch, e.g.
//   "op.lease.grants[0].attempt: must be an integer in [0, 4294967295], not a string"
// The checks themselves are convert.hpp's, shared with the client protocol's
// map reader. Reads throw DecodeError; every public decoder catches it and
// returns a Status, so nothing escapes a decoder.
//
// Strings are read as bytes (str or bin, no UTF-8 check): stored records keep
// what older versions accepted, and journals written by them must load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <msgpack.hpp>

namespace desaster::codec {

struct DecodeError {
  std::string message;
};

// Where a value sits in the document, as a chain of stack frames: rendering
// happens only when a read fails, so the happy path allocates nothing.
struct Path {
  static constexpr std::size_t kNoIndex = static_cast<std::size_t>(-1);

  const Path* parent = nullptr;
  std::string_view name;
  std::size_t index = kNoIndex;

  Path field(std::string_view n) const { return {this, n, kNoIndex}; }
  Path at(std::size_t i) const { return {this, {}, i}; }
  std::string str() const;
};

// Throws DecodeError "<path>: <what>".
[[noreturn]] void fail(const Path& where, const std::string& what);

// Typed reads of one value; each checks type and range.
std::uint64_t read_u64(const msgpack::object& o, const Path& p);
std::int64_t read_i64(const msgpack::object& o, const Path& p);
std::uint32_t read_u32(const msgpack::object& o, const Path& p);
std::int32_t read_i32(const msgpack::object& o, const Path& p);
bool read_bool(const msgpack::object& o, const Path& p);
// str or bin: payloads and output are bytes, not text.
std::string_view read_bytes(const msgpack::object& o, const Path& p);
std::string read_string(const msgpack::object& o, const Path& p);
// Any array; with count, exactly count elements.
const msgpack::object_array& read_array(const msgpack::object& o, const Path& p);
const msgpack::object_array& read_array(const msgpack::object& o, const Path& p, std::size_t count);
// A value below count, for an enum with count enumerators.
std::uint32_t read_enum(const msgpack::object& o, const Path& p, std::uint32_t count);

// A struct stored as a fixed-length array: checks the length once, then
// reads fields by position, naming them in errors.
class Fields {
 public:
  Fields(const msgpack::object& o, const Path& path, std::size_t count);
  // For records that grew trailing fields: any length from min_count to
  // max_count; fields past size() are absent and keep their defaults.
  Fields(const msgpack::object& o, const Path& path, std::size_t min_count, std::size_t max_count);
  Fields(const Fields&) = delete;  // paths handed out point at path_
  Fields& operator=(const Fields&) = delete;

  const msgpack::object& operator[](std::size_t i) const { return array_.ptr[i]; }
  std::size_t size() const { return array_.size; }
  Path path(std::string_view name) const { return path_.field(name); }

  std::uint64_t u64(std::size_t i, std::string_view name) const;
  std::int64_t i64(std::size_t i, std::string_view name) const;
  std::uint32_t u32(std::size_t i, std::string_view name) const;
  std::int32_t i32(std::size_t i, std::string_view name) const;
  bool boolean(std::size_t i, std::string_view name) const;
  std::string string(std::size_t i, std::string_view name) const;
  template <typename Enum>
  Enum enumeration(std::size_t i, std::string_view name, std::uint32_t count) const {
    return static_cast<Enum>(read_enum(array_.ptr[i], path_.field(name), count));
  }

 private:
  const msgpack::object_array& array_;
  Path path_;  // by value: callers pass temporaries such as p.at(i)
};

// The writing side of read_string (a str) and read_bytes (a bin).
void pack_string(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s);
void pack_bytes(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s);

}  // namespace desaster::codec
