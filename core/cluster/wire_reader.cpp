#include "core/cluster/wire_reader.hpp"

#include <exception>
#include <limits>
#include <vector>

namespace desaster::raft::wire {

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

// msgpack-c allocates a container's elements when it reads the header, so a
// few bytes claiming four billion elements would cost gigabytes: every
// element takes at least one byte, so all claims together must fit the input.
class BoundsCheck : public msgpack::null_visitor {
 public:
  explicit BoundsCheck(std::size_t size) : budget_(size) {}

  bool start_array(std::uint32_t n) { return open(n); }
  bool start_map(std::uint32_t n) { return open(std::uint64_t{n} * 2); }
  bool end_array() { return close(); }
  bool end_map() { return close(); }
  void parse_error(std::size_t, std::size_t offset) {
    error_ = "invalid msgpack at byte " + std::to_string(offset);
  }
  void insufficient_bytes(std::size_t, std::size_t) {
    error_ = "truncated: the input ends inside a value";
  }
  const std::string& error() const { return error_; }

 private:
  bool open(std::uint64_t elements) {
    if (++depth_ > kMaxDepth) {
      error_ = "nested deeper than " + std::to_string(kMaxDepth) + " levels";
      return false;
    }
    claimed_ += elements;
    if (claimed_ > budget_) {
      error_ = "a container of " + std::to_string(elements) + " elements does not fit in " +
               std::to_string(budget_) + " bytes (truncated or corrupt)";
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
    if (!(*it)->name.empty()) {
      if (!out.empty()) out += '.';
      out += (*it)->name;
    }
    if ((*it)->index != kNoIndex) out += "[" + std::to_string((*it)->index) + "]";
  }
  return out;
}

void fail(const Path& where, const std::string& what) {
  std::string place = where.str();
  throw WireError{place.empty() ? what : place + ": " + what};
}

Result<msgpack::object_handle> unpack_bounded(std::string_view bytes, std::string_view what) {
  auto error = [&](const std::string& message) {
    return Status::error(ErrorCode::bad_request, std::string(what) + ": " + message);
  };
  if (bytes.empty()) return error("empty input");
  BoundsCheck check(bytes.size());
  std::size_t end = 0;
  try {
    if (!msgpack::parse(bytes.data(), bytes.size(), end, check))
      return error(check.error().empty() ? "invalid msgpack" : check.error());
  } catch (const std::exception& e) {
    return error(std::string("invalid msgpack: ") + e.what());
  }
  if (end != bytes.size())
    return error(std::to_string(bytes.size() - end) + " trailing bytes after the value");
  try {
    std::size_t offset = 0;
    const msgpack::unpack_limit limit(bytes.size(), bytes.size(), bytes.size(), bytes.size(),
                                      bytes.size(), kMaxDepth + 1);
    return msgpack::unpack(bytes.data(), bytes.size(), offset, reference_input, nullptr, limit);
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
    if (o.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail(p, std::to_string(o.via.u64) + " is out of range");
    return static_cast<std::int64_t>(o.via.u64);
  }
  wrong_type(o, p, "an integer");
}

bool read_bool(const msgpack::object& o, const Path& p) {
  if (o.type != msgpack::type::BOOLEAN) wrong_type(o, p, "a boolean");
  return o.via.boolean;
}

std::string_view read_bytes(const msgpack::object& o, const Path& p) {
  if (o.type == msgpack::type::BIN) return {o.via.bin.ptr, o.via.bin.size};
  if (o.type == msgpack::type::STR) return {o.via.str.ptr, o.via.str.size};
  wrong_type(o, p, "binary");
}

std::uint32_t read_enum(const msgpack::object& o, const Path& p, std::uint32_t count) {
  const std::uint64_t v = read_u64(o, p);
  if (v >= count) fail(p, "unknown value " + std::to_string(v));
  return static_cast<std::uint32_t>(v);
}

NodeId read_node_id(const msgpack::object& o, const Path& p) {
  const std::string_view bytes = read_bytes(o, p);
  if (bytes.size() != 16) fail(p, "a node id is 16 bytes, got " + std::to_string(bytes.size()));
  NodeId id;
  for (std::size_t i = 0; i < 16; ++i) {
    std::uint64_t& half = i < 8 ? id.hi : id.lo;
    half = (half << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return id;
}

const msgpack::object_array& read_array(const msgpack::object& o, const Path& p,
                                        std::size_t count) {
  if (o.type != msgpack::type::ARRAY) wrong_type(o, p, "an array");
  if (count != 0 && o.via.array.size != count)
    fail(p, "expected " + std::to_string(count) + " elements, got " +
                std::to_string(o.via.array.size));
  return o.via.array;
}

void pack_bytes(msgpack::packer<msgpack::sbuffer>& pk, std::string_view bytes) {
  pk.pack_bin(static_cast<std::uint32_t>(bytes.size()));
  pk.pack_bin_body(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
}

void pack_node_id(msgpack::packer<msgpack::sbuffer>& pk, const NodeId& id) {
  char bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>((id.hi >> (56 - 8 * i)) & 0xFF);
    bytes[8 + i] = static_cast<char>((id.lo >> (56 - 8 * i)) & 0xFF);
  }
  pack_bytes(pk, std::string_view(bytes, 16));
}

}  // namespace desaster::raft::wire
