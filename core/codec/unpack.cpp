// The bounds pre-scan and the one call into msgpack-c's unpacker; see unpack.hpp.
#include "core/codec/unpack.hpp"

#include <cstdint>
#include <exception>
#include <string>

namespace desaster::codec {

namespace {

// Walks the input without building objects (see unpack.hpp for why).
class BoundsCheck : public msgpack::null_visitor {
 public:
  BoundsCheck(std::size_t size, std::size_t max_depth) : budget_(size), max_depth_(max_depth) {}

  bool start_array(std::uint32_t n) { return open(n, n, "an array of", "elements"); }
  bool start_map(std::uint32_t n) { return open(std::uint64_t{n} * 2, n, "a map of", "pairs"); }
  bool end_array() { return close(); }
  bool end_map() { return close(); }
  void parse_error(std::size_t, std::size_t error_offset) {
    error_ = "is not valid msgpack (at byte " + std::to_string(error_offset) + ")";
  }
  void insufficient_bytes(std::size_t, std::size_t) { error_ = "is truncated"; }

  const std::string& error() const { return error_; }

 private:
  // elements: the objects the header claims; n and unit say it for the error.
  bool open(std::uint64_t elements, std::uint32_t n, const char* kind, const char* unit) {
    if (++depth_ > max_depth_) {
      error_ = "nests deeper than " + std::to_string(max_depth_) + " levels";
      return false;
    }
    claimed_ += elements;
    if (claimed_ > budget_) {
      // To the sender a count past the bytes left is the same mistake as
      // running out of bytes, so both read "truncated".
      error_ = std::string("is truncated (") + kind + " " + std::to_string(n) + " " + unit +
               " in " + std::to_string(budget_) + " bytes)";
      return false;
    }
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  std::uint64_t budget_;
  std::size_t max_depth_;
  std::uint64_t claimed_ = 0;
  std::size_t depth_ = 0;
  std::string error_;
};

// Strings and binaries point into the input instead of being copied.
bool reference_input(msgpack::type::object_type, std::size_t, void*) {
  return true;
}

}  // namespace

Result<msgpack::object_handle> unpack_bounded(std::string_view bytes, std::string_view what,
                                              ErrorCode code, std::size_t max_depth) {
  auto error = [&](const std::string& problem) {
    return Status::error(code, std::string(what) + " " + problem);
  };
  if (bytes.empty()) return error("is empty");
  BoundsCheck check(bytes.size(), max_depth);
  std::size_t end = 0;
  try {
    if (!msgpack::parse(bytes.data(), bytes.size(), end, check)) {
      return error(check.error().empty() ? "is not valid msgpack" : check.error());
    }
  } catch (const std::exception& e) {
    return error(std::string("is not valid msgpack (") + e.what() + ")");
  }
  if (end != bytes.size()) {
    return error("has " + std::to_string(bytes.size() - end) + " trailing bytes after its message");
  }
  try {
    std::size_t offset = 0;
    const std::size_t n = bytes.size();
    const msgpack::unpack_limit limit(n, n, n, n, n, max_depth + 1);
    return msgpack::unpack(bytes.data(), n, offset, reference_input, nullptr, limit);
  } catch (const std::bad_alloc&) {
    return error("is too large to decode");
  } catch (const std::exception& e) {
    return error(std::string("could not be decoded (") + e.what() + ")");
  }
}

const char* type_name(const msgpack::object& obj) {
  switch (obj.type) {
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
  return "of an unknown type";
}

}  // namespace desaster::codec
