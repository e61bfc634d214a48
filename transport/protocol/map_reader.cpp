// The field reader behind every protocol decoder; see map_reader.hpp.
#include "transport/protocol/map_reader.hpp"

#include <algorithm>
#include <exception>
#include <optional>

#include "transport/protocol/utf8.hpp"

namespace desaster::protocol {

namespace {

std::string_view key_view(const msgpack::object& key) {
  return {key.via.str.ptr, key.via.str.size};
}

// Why msgpack gave up, in words a client can act on.
std::string describe_unpack_error(const std::exception& e) {
  if (dynamic_cast<const msgpack::depth_size_overflow*>(&e))
    return "nests deeper than " + std::to_string(kMaxDepth) + " levels";
  // A size past the limits of unpack_whole cannot fit in the bytes left, so
  // to the sender it is the same mistake as running out of bytes.
  if (dynamic_cast<const msgpack::insufficient_bytes*>(&e) ||
      dynamic_cast<const msgpack::size_overflow*>(&e))
    return "is truncated";
  if (dynamic_cast<const msgpack::parse_error*>(&e)) return "is not valid msgpack";
  if (dynamic_cast<const std::bad_alloc*>(&e)) return "is too large to decode";
  return std::string("could not be decoded (") + e.what() + ")";
}

}  // namespace

std::string printable(std::string_view text, std::size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == max) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

Result<msgpack::object_handle> unpack_whole(std::string_view bytes, std::string_view what) {
  if (bytes.empty()) return Status::error(ErrorCode::bad_request, std::string(what) + " is empty");
  // Every element takes at least one byte, so no honest count exceeds the
  // frame's size; checking it before msgpack allocates keeps a tiny frame
  // from asking for gigabytes.
  const std::size_t n = bytes.size();
  msgpack::unpack_limit limit(n, n / 2, n, n, n, kMaxDepth);
  std::size_t offset = 0;
  try {
    msgpack::object_handle handle =
        msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr, limit);
    if (offset != bytes.size()) {
      return Status::error(ErrorCode::bad_request, std::string(what) + " has " +
                                                       std::to_string(bytes.size() - offset) +
                                                       " trailing bytes after its message");
    }
    return handle;
  } catch (const std::exception& e) {
    return Status::error(ErrorCode::bad_request,
                         std::string(what) + " " + describe_unpack_error(e));
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

namespace convert {

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

std::string as_bytes(const msgpack::object& obj, std::string& out) {
  if (obj.type == msgpack::type::BIN) {
    out.assign(obj.via.bin.ptr, obj.via.bin.size);
    return {};
  }
  if (obj.type == msgpack::type::STR) {
    out.assign(obj.via.str.ptr, obj.via.str.size);
    return {};
  }
  return "must be binary or a string" + not_a(obj);
}

std::string as_bool(const msgpack::object& obj, bool& out) {
  if (obj.type != msgpack::type::BOOLEAN) return "must be a boolean" + not_a(obj);
  out = obj.via.boolean;
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

}  // namespace convert

MapReader::MapReader(const msgpack::object& obj, std::string what, std::string map_path)
    : what_(std::move(what)), map_path_(std::move(map_path)) {
  if (obj.type != msgpack::type::MAP) {
    const std::string problem = std::string("must be a map, not ") + type_name(obj);
    if (map_path_.empty()) {
      status_ = Status::error(ErrorCode::bad_request, what_ + " " + problem);
    } else {
      fail_at(map_path_, problem);
    }
    return;
  }
  map_ = &obj.via.map;
  // Keys are checked once here so find() can trust them. Sorting views finds
  // duplicates in n log n even for a map of millions of keys.
  std::vector<std::string_view> keys;
  keys.reserve(map_->size);
  for (std::uint32_t i = 0; i < map_->size; ++i) {
    const msgpack::object& key = map_->ptr[i].key;
    if (key.type != msgpack::type::STR) {
      status_ = Status::error(ErrorCode::bad_request,
                              what_ + (map_path_.empty() ? "" : " field '" + map_path_ + "'") +
                                  " has a key that is not a string");
      map_ = nullptr;
      return;
    }
    keys.push_back(key_view(key));
  }
  std::sort(keys.begin(), keys.end());
  auto twice = std::adjacent_find(keys.begin(), keys.end());
  if (twice != keys.end()) {
    fail(printable(*twice), "appears more than once");
    map_ = nullptr;
  }
}

const msgpack::object* MapReader::find_value(std::string_view key) {
  if (!map_) return nullptr;
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  for (std::uint32_t i = 0; i < map_->size; ++i) {
    if (key_view(map_->ptr[i].key) == key) return &map_->ptr[i].val;
  }
  return nullptr;
}

const msgpack::object* MapReader::find(std::string_view key) {
  const msgpack::object* value = find_value(key);
  if (value && value->type == msgpack::type::NIL) {
    if (nil_as_absent_) return nullptr;
    fail(key, "is nil (leave the field out to mean 'not set')");
    return nullptr;
  }
  return value;
}

void MapReader::require(std::string_view key) {
  if (map_ && !find(key)) fail(key, "is missing");
}

void MapReader::read(std::string_view key, std::string& out) {
  read_with(key, [&](const msgpack::object& obj) { return convert::as_string(obj, out); });
}

void MapReader::read(std::string_view key, std::string& out, std::size_t max_bytes) {
  read_with(key,
            [&](const msgpack::object& obj) { return convert::as_string(obj, out, max_bytes); });
}

void MapReader::read_name(std::string_view key, std::string& out) {
  read_with(key, [&](const msgpack::object& obj) { return convert::as_name(obj, out); });
}

void MapReader::read_bytes(std::string_view key, std::string& out) {
  read_with(key, [&](const msgpack::object& obj) { return convert::as_bytes(obj, out); });
}

void MapReader::read(std::string_view key, bool& out) {
  read_with(key, [&](const msgpack::object& obj) { return convert::as_bool(obj, out); });
}

const msgpack::object_array* MapReader::find_array(std::string_view key, std::size_t max_items) {
  const msgpack::object* obj = find(key);
  if (!obj) return nullptr;
  if (obj->type != msgpack::type::ARRAY) {
    fail(key, std::string("must be an array, not ") + type_name(*obj));
    return nullptr;
  }
  if (obj->via.array.size > max_items) {
    fail(key, "has " + std::to_string(obj->via.array.size) + " items, more than the limit of " +
                  std::to_string(max_items));
    return nullptr;
  }
  return &obj->via.array;
}

void MapReader::read_strings(std::string_view key, std::vector<std::string>& out,
                             std::size_t max_items) {
  const msgpack::object_array* array = find_array(key, max_items);
  if (!array) return;
  std::vector<std::string> values(array->size);
  for (std::uint32_t i = 0; i < array->size; ++i) {
    std::string problem = convert::as_string(array->ptr[i], values[i]);
    if (!problem.empty()) return fail_at(item_path(key, i), problem);
  }
  out = std::move(values);
}

void MapReader::read_names(std::string_view key, std::vector<std::string>& out,
                           std::size_t max_items) {
  const msgpack::object_array* array = find_array(key, max_items);
  if (!array) return;
  std::vector<std::string> values(array->size);
  for (std::uint32_t i = 0; i < array->size; ++i) {
    std::string problem = convert::as_name(array->ptr[i], values[i]);
    if (!problem.empty()) return fail_at(item_path(key, i), problem);
  }
  out = std::move(values);
}

void MapReader::read_ids(std::string_view key, std::vector<std::uint64_t>& out,
                         std::size_t max_items) {
  const msgpack::object_array* array = find_array(key, max_items);
  if (!array) return;
  std::vector<std::uint64_t> values(array->size);
  for (std::uint32_t i = 0; i < array->size; ++i) {
    std::string problem = convert::as_integer(array->ptr[i], values[i]);
    if (!problem.empty()) return fail_at(item_path(key, i), problem);
  }
  out = std::move(values);
}

std::string MapReader::field_path(std::string_view key) const {
  if (map_path_.empty()) return std::string(key);
  return map_path_ + "." + std::string(key);
}

std::string MapReader::item_path(std::string_view key, std::size_t index) const {
  return field_path(key) + "[" + std::to_string(index) + "]";
}

void MapReader::fail_at(const std::string& path, std::string_view problem) {
  if (!status_.ok()) return;
  status_ = Status::error(ErrorCode::bad_request,
                          what_ + " field '" + path + "' " + std::string(problem));
}

void MapReader::merge(const Status& status) {
  if (status_.ok() && !status.ok()) status_ = status;
}

Status MapReader::finish() {
  if (!status_.ok() || !map_) return status_;
  for (std::uint32_t i = 0; i < map_->size; ++i) {
    std::string_view key = key_view(map_->ptr[i].key);
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
      fail(printable(key), "is not known");
      break;
    }
  }
  return status_;
}

}  // namespace desaster::protocol
