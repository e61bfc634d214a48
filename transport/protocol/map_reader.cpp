// The field reader behind every protocol decoder; see map_reader.hpp.
#include "transport/protocol/map_reader.hpp"

#include <algorithm>

namespace desaster::protocol {

namespace {

std::string_view key_view(const msgpack::object& key) {
  return {key.via.str.ptr, key.via.str.size};
}

}  // namespace

MapReader::MapReader(const msgpack::object& obj, std::string what, std::string map_path)
    : what_(std::move(what)), map_path_(std::move(map_path)) {
  if (obj.type != msgpack::type::MAP) {
    const std::string problem = std::string("must be a map, not ") + codec::type_name(obj);
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
    fail(codec::printable(*twice), "appears more than once");
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
  read_with(key, [&](const msgpack::object& obj) { return codec::convert::as_string(obj, out); });
}

void MapReader::read(std::string_view key, std::string& out, std::size_t max_bytes) {
  read_with(key, [&](const msgpack::object& obj) {
    return codec::convert::as_string(obj, out, max_bytes);
  });
}

void MapReader::read_name(std::string_view key, std::string& out) {
  read_with(key, [&](const msgpack::object& obj) { return codec::convert::as_name(obj, out); });
}

void MapReader::read_bytes(std::string_view key, std::string& out) {
  read_with(key, [&](const msgpack::object& obj) { return codec::convert::as_bytes(obj, out); });
}

void MapReader::read(std::string_view key, bool& out) {
  read_with(key, [&](const msgpack::object& obj) { return codec::convert::as_bool(obj, out); });
}

const msgpack::object_array* MapReader::find_array(std::string_view key, std::size_t max_items) {
  const msgpack::object* obj = find(key);
  if (!obj) return nullptr;
  const msgpack::object_array* array = nullptr;
  std::string problem = codec::convert::as_array(*obj, max_items, array);
  if (!problem.empty()) fail(key, problem);
  return array;
}

template <typename T, typename Convert>
void MapReader::read_items(std::string_view key, std::vector<T>& out, std::size_t max_items,
                           Convert convert) {
  const msgpack::object_array* array = find_array(key, max_items);
  if (!array) return;
  std::vector<T> values(array->size);
  for (std::uint32_t i = 0; i < array->size; ++i) {
    std::string problem = convert(array->ptr[i], values[i]);
    if (!problem.empty()) return fail_at(item_path(key, i), problem);
  }
  out = std::move(values);
}

void MapReader::read_strings(std::string_view key, std::vector<std::string>& out,
                             std::size_t max_items) {
  read_items(key, out, max_items, [](const msgpack::object& obj, std::string& value) {
    return codec::convert::as_string(obj, value);
  });
}

void MapReader::read_names(std::string_view key, std::vector<std::string>& out,
                           std::size_t max_items) {
  read_items(key, out, max_items, codec::convert::as_name);
}

void MapReader::read_ids(std::string_view key, std::vector<std::uint64_t>& out,
                         std::size_t max_items) {
  read_items(key, out, max_items, codec::convert::as_integer<std::uint64_t>);
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
      fail(codec::printable(key), "is not known");
      break;
    }
  }
  return status_;
}

}  // namespace desaster::protocol
