// Positional reads over the shared checks; see fields.hpp.
#include "core/codec/fields.hpp"

#include <limits>
#include <vector>

#include "core/codec/convert.hpp"

namespace desaster::codec {

namespace {

// Runs one convert:: check and throws its problem at p.
template <typename Check>
void check(const Path& p, Check check) {
  std::string problem = check();
  if (!problem.empty()) fail(p, problem);
}

template <typename T>
T read_integer(const msgpack::object& o, const Path& p) {
  T value{};
  check(p, [&] { return convert::as_integer(o, value); });
  return value;
}

}  // namespace

std::string Path::str() const {
  std::vector<const Path*> chain;
  for (const Path* p = this; p != nullptr; p = p->parent) chain.push_back(p);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Path& p = **it;
    if (!p.name.empty()) {
      if (!out.empty()) out += '.';
      out += p.name;
    }
    if (p.index != kNoIndex) out += "[" + std::to_string(p.index) + "]";
  }
  return out;
}

void fail(const Path& where, const std::string& what) {
  std::string place = where.str();
  throw DecodeError{place.empty() ? what : place + ": " + what};
}

std::uint64_t read_u64(const msgpack::object& o, const Path& p) {
  return read_integer<std::uint64_t>(o, p);
}
std::int64_t read_i64(const msgpack::object& o, const Path& p) {
  return read_integer<std::int64_t>(o, p);
}
std::uint32_t read_u32(const msgpack::object& o, const Path& p) {
  return read_integer<std::uint32_t>(o, p);
}
std::int32_t read_i32(const msgpack::object& o, const Path& p) {
  return read_integer<std::int32_t>(o, p);
}

bool read_bool(const msgpack::object& o, const Path& p) {
  bool value = false;
  check(p, [&] { return convert::as_bool(o, value); });
  return value;
}

std::string_view read_bytes(const msgpack::object& o, const Path& p) {
  std::string_view value;
  check(p, [&] { return convert::as_bytes(o, value); });
  return value;
}

std::string read_string(const msgpack::object& o, const Path& p) {
  return std::string(read_bytes(o, p));
}

const msgpack::object_array& read_array(const msgpack::object& o, const Path& p) {
  const msgpack::object_array* array = nullptr;
  check(p, [&] { return convert::as_array(o, std::numeric_limits<std::uint32_t>::max(), array); });
  return *array;
}

const msgpack::object_array& read_array(const msgpack::object& o, const Path& p,
                                        std::size_t count) {
  const msgpack::object_array& array = read_array(o, p);
  if (array.size != count) {
    fail(p, "expected " + std::to_string(count) + " fields, got " + std::to_string(array.size));
  }
  return array;
}

std::uint32_t read_enum(const msgpack::object& o, const Path& p, std::uint32_t count) {
  std::uint64_t v = read_u64(o, p);
  if (v >= count) fail(p, "has unknown value " + std::to_string(v));
  return static_cast<std::uint32_t>(v);
}

Fields::Fields(const msgpack::object& o, const Path& path, std::size_t count)
    : array_(read_array(o, path, count)), path_(path) {}

Fields::Fields(const msgpack::object& o, const Path& path, std::size_t min_count,
               std::size_t max_count)
    : array_(read_array(o, path)), path_(path) {
  if (array_.size < min_count || array_.size > max_count) {
    fail(path_, "expected " + std::to_string(min_count) + " to " + std::to_string(max_count) +
                    " fields, got " + std::to_string(array_.size));
  }
}

std::uint64_t Fields::u64(std::size_t i, std::string_view name) const {
  return read_u64(array_.ptr[i], path_.field(name));
}
std::int64_t Fields::i64(std::size_t i, std::string_view name) const {
  return read_i64(array_.ptr[i], path_.field(name));
}
std::uint32_t Fields::u32(std::size_t i, std::string_view name) const {
  return read_u32(array_.ptr[i], path_.field(name));
}
std::int32_t Fields::i32(std::size_t i, std::string_view name) const {
  return read_i32(array_.ptr[i], path_.field(name));
}
bool Fields::boolean(std::size_t i, std::string_view name) const {
  return read_bool(array_.ptr[i], path_.field(name));
}
std::string Fields::string(std::size_t i, std::string_view name) const {
  return read_string(array_.ptr[i], path_.field(name));
}

void pack_string(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

void pack_bytes(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s) {
  pk.pack_bin(static_cast<std::uint32_t>(s.size()));
  pk.pack_bin_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

}  // namespace desaster::codec
