// The shared value checks; see convert.hpp.
#include "core/codec/convert.hpp"

#include <optional>
#include <string_view>

#include "core/codec/text.hpp"
#include "core/codec/unpack.hpp"

namespace desaster::codec::convert {

namespace {
std::string not_a(const msgpack::object& obj) {
  return std::string(", not ") + type_name(obj);
}
}  // namespace

std::string not_integer(const msgpack::object& obj) {
  if (obj.type == msgpack::type::POSITIVE_INTEGER || obj.type == msgpack::type::NEGATIVE_INTEGER)
    return {};
  return not_a(obj);
}

std::string as_string(const msgpack::object& obj, std::string& out, std::size_t max) {
  if (obj.type != msgpack::type::STR) return "must be a string" + not_a(obj);
  std::string_view text(obj.via.str.ptr, obj.via.str.size);
  if (text.size() > max) {
    return "is " + std::to_string(text.size()) + " bytes, longer than the limit of " +
           std::to_string(max);
  }
  if (std::optional<std::size_t> at = invalid_utf8_at(text)) {
    return "is not valid UTF-8 (at byte " + std::to_string(*at) + ")";
  }
  out.assign(text);
  return {};
}

std::string as_name(const msgpack::object& obj, std::string& out) {
  std::string name;
  std::string problem = as_string(obj, name, kMaxNameBytes);
  if (!problem.empty()) return problem;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      return "holds a control character (" + printable(std::string_view(&c, 1)) + ")";
  }
  out = std::move(name);
  return {};
}

std::string as_bytes(const msgpack::object& obj, std::string_view& out) {
  if (obj.type == msgpack::type::BIN) {
    out = {obj.via.bin.ptr, obj.via.bin.size};
    return {};
  }
  if (obj.type == msgpack::type::STR) {
    out = {obj.via.str.ptr, obj.via.str.size};
    return {};
  }
  return "must be binary or a string" + not_a(obj);
}

std::string as_bytes(const msgpack::object& obj, std::string& out) {
  std::string_view view;
  std::string problem = as_bytes(obj, view);
  if (problem.empty()) out.assign(view);
  return problem;
}

std::string as_bool(const msgpack::object& obj, bool& out) {
  if (obj.type != msgpack::type::BOOLEAN) return "must be a boolean" + not_a(obj);
  out = obj.via.boolean;
  return {};
}

std::string as_array(const msgpack::object& obj, std::size_t max_items,
                     const msgpack::object_array*& out) {
  if (obj.type != msgpack::type::ARRAY) return "must be an array" + not_a(obj);
  if (obj.via.array.size > max_items) {
    return "has " + std::to_string(obj.via.array.size) + " items, more than the limit of " +
           std::to_string(max_items);
  }
  out = &obj.via.array;
  return {};
}

std::string as_unsigned(const msgpack::object& obj, std::uint64_t max, std::uint64_t& out) {
  if (obj.type == msgpack::type::POSITIVE_INTEGER && obj.via.u64 <= max) {
    out = obj.via.u64;
    return {};
  }
  return "must be an integer in [0, " + std::to_string(max) + "]" + not_integer(obj);
}

std::string as_signed(const msgpack::object& obj, std::int64_t min, std::int64_t max,
                      std::int64_t& out) {
  if (obj.type == msgpack::type::POSITIVE_INTEGER &&
      obj.via.u64 <= static_cast<std::uint64_t>(max)) {
    out = static_cast<std::int64_t>(obj.via.u64);
    return {};
  }
  if (obj.type == msgpack::type::NEGATIVE_INTEGER && obj.via.i64 >= min) {
    out = obj.via.i64;
    return {};
  }
  return "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]" +
         not_integer(obj);
}

}  // namespace desaster::codec::convert
