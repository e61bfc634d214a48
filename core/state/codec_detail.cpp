// Checked msgpack reads for the state codecs: a bounds pre-scan that runs
// before msgpack-c allocates anything, and typed readers that name the place
// of every mismatch.
#include "core/state/codec_detail.hpp"

#include <limits>
#include <vector>

namespace desaster::codec {

namespace {

const char* type_name(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL:
      return "nil";
    case msgpack::type::BOOLEAN:
      return "a boolean";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER:
      return "an integer";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return "a float";
    case msgpack::type::STR:
      return "a string";
    case msgpack::type::BIN:
      return "binary";
    case msgpack::type::ARRAY:
      return "an array";
    case msgpack::type::MAP:
      return "a map";
    case msgpack::type::EXT:
      return "an extension";
  }
  return "an unknown type";
}

[[noreturn]] void wrong_type(const msgpack::object& o, const Path& p, const char* expected) {
  fail(p, std::string("expected ") + expected + ", got " + type_name(o));
}

// Walks the input without building objects. msgpack-c allocates a
// container's elements as soon as it reads the header, so a few bytes that
// claim four billion elements would otherwise cost gigabytes: every element
// needs at least one byte, so all claims together may not exceed the input.
class BoundsCheck : public msgpack::null_visitor {
 public:
  explicit BoundsCheck(std::size_t size) : budget_(size) {}

  bool start_array(std::uint32_t n) { return open(n, "an array"); }
  bool start_map(std::uint32_t n) { return open(std::uint64_t{n} * 2, "a map"); }
  bool end_array() { return close(); }
  bool end_map() { return close(); }
  void parse_error(std::size_t, std::size_t error_offset) {
    error_ = "invalid msgpack at byte " + std::to_string(error_offset);
  }
  void insufficient_bytes(std::size_t, std::size_t) {
    error_ = "truncated: the input ends inside a value";
  }

  const std::string& error() const { return error_; }

 private:
  bool open(std::uint64_t elements, const char* kind) {
    if (++depth_ > kMaxDepth) {
      error_ = "nested deeper than " + std::to_string(kMaxDepth) + " levels";
      return false;
    }
    claimed_ += elements;
    if (claimed_ > budget_) {
      error_ = std::string(kind) + " of " + std::to_string(elements) +
               " elements does not fit in the " + std::to_string(budget_) +
               " bytes of input (truncated or corrupt)";
      return false;
    }
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  std::uint64_t budget_;
  std::uint64_t claimed_ = 0;
  std::size_t depth_ = 0;
  std::string error_;
};

bool reference_input(msgpack::type::object_type, std::size_t, void*) {
  return true;
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

Result<msgpack::object_handle> unpack_bounded(std::string_view bytes, std::string_view what) {
  auto error = [&](const std::string& message) {
    return Status::error(ErrorCode::corrupt, std::string(what) + ": " + message);
  };
  if (bytes.empty()) return error("empty input");
  BoundsCheck check(bytes.size());
  std::size_t end = 0;
  try {
    if (!msgpack::parse(bytes.data(), bytes.size(), end, check)) {
      return error(check.error().empty() ? "invalid msgpack" : check.error());
    }
  } catch (const std::exception& e) {
    return error(std::string("invalid msgpack: ") + e.what());
  }
  if (end != bytes.size()) {
    return error(std::to_string(bytes.size() - end) + " trailing bytes after the value");
  }
  try {
    std::size_t off = 0;
    msgpack::unpack_limit limit(bytes.size(), bytes.size(), bytes.size(), bytes.size(),
                                bytes.size(), kMaxDepth + 1);
    return msgpack::unpack(bytes.data(), bytes.size(), off, reference_input, nullptr, limit);
  } catch (const std::exception& e) {
    return error(std::string("invalid msgpack: ") + e.what());
  }
}

std::uint64_t read_u64(const msgpack::object& o, const Path& p) {
  if (o.type == msgpack::type::POSITIVE_INTEGER) return o.via.u64;
  if (o.type == msgpack::type::NEGATIVE_INTEGER)
    fail(p, "expected an unsigned integer, got a negative one");
  wrong_type(o, p, "an unsigned integer");
}

std::int64_t read_i64(const msgpack::object& o, const Path& p) {
  if (o.type == msgpack::type::NEGATIVE_INTEGER) return o.via.i64;
  if (o.type == msgpack::type::POSITIVE_INTEGER) {
    if (o.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(p, std::to_string(o.via.u64) + " is out of range");
    }
    return static_cast<std::int64_t>(o.via.u64);
  }
  wrong_type(o, p, "an integer");
}

std::uint32_t read_u32(const msgpack::object& o, const Path& p) {
  std::uint64_t v = read_u64(o, p);
  if (v > std::numeric_limits<std::uint32_t>::max())
    fail(p, std::to_string(v) + " is out of range");
  return static_cast<std::uint32_t>(v);
}

std::int32_t read_i32(const msgpack::object& o, const Path& p) {
  std::int64_t v = read_i64(o, p);
  if (v < std::numeric_limits<std::int32_t>::min() ||
      v > std::numeric_limits<std::int32_t>::max()) {
    fail(p, std::to_string(v) + " is out of range");
  }
  return static_cast<std::int32_t>(v);
}

bool read_bool(const msgpack::object& o, const Path& p) {
  if (o.type != msgpack::type::BOOLEAN) wrong_type(o, p, "a boolean");
  return o.via.boolean;
}

std::string_view read_string_view(const msgpack::object& o, const Path& p) {
  if (o.type == msgpack::type::STR) return {o.via.str.ptr, o.via.str.size};
  if (o.type == msgpack::type::BIN) return {o.via.bin.ptr, o.via.bin.size};
  wrong_type(o, p, "a string");
}

std::string read_string(const msgpack::object& o, const Path& p) {
  return std::string(read_string_view(o, p));
}

const msgpack::object_array& read_array(const msgpack::object& o, const Path& p) {
  if (o.type != msgpack::type::ARRAY) wrong_type(o, p, "an array");
  return o.via.array;
}

std::uint32_t read_enum(const msgpack::object& o, const Path& p, std::uint32_t count) {
  std::uint64_t v = read_u64(o, p);
  if (v >= count) fail(p, "unknown value " + std::to_string(v));
  return static_cast<std::uint32_t>(v);
}

Fields::Fields(const msgpack::object& o, const Path& path, std::size_t count)
    : array_(read_array(o, path)), path_(path) {
  if (array_.size != count) {
    fail(path_,
         "expected " + std::to_string(count) + " fields, got " + std::to_string(array_.size));
  }
}

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
