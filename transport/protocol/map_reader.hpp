// Reading msgpack maps with named fields, for the protocol decoders.
//
// A MapReader walks one map and keeps the first error it meets, so a decoder
// reads its fields in a row and asks for the outcome once:
//
//   MapReader r(obj, "request body");
//   r.read("queue", spec.queue);
//   r.read("priority", spec.priority);
//   return r.finish();  // also refuses fields nobody asked for
//
// Errors name the field with its path inside the message:
//   "request body field 'jobs[3].priority' must be an integer in [-2147483648, 2147483647]"
// A missing field leaves its target untouched, so structs keep their
// defaults. A nil one is refused (a client that means "not set" leaves the
// field out), as is a value of another type: the error names the field, the
// type it must have and the type it had. Keys must be strings and may appear
// once. Every str must be valid UTF-8 and at most codec::kMaxStringBytes long
// (names: codec::kMaxNameBytes, no control characters), so nothing the node
// stores or echoes can make a strict client's decoder fail. The checks of one
// value are core/codec's (convert.hpp), shared with the stored formats; bytes
// become objects only through codec::unpack_bounded().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "core/codec/convert.hpp"
#include "core/codec/text.hpp"
#include "core/codec/unpack.hpp"
#include "core/model/status.hpp"

namespace desaster::protocol {

class MapReader {
 public:
  // what: the message part in errors ("request body"); map_path: where this map
  // sits inside it ("jobs[3]"), empty for the top. A non-map obj is an error.
  MapReader(const msgpack::object& obj, std::string what, std::string map_path = {});

  // The value under key, or nullptr when absent (or nil, which records an
  // error). Marks key as known.
  const msgpack::object* find(std::string_view key);
  // Records "... field 'key' is missing" when find(key) would give nullptr.
  void require(std::string_view key);

  void read(std::string_view key, std::string& out);  // str
  void read(std::string_view key, std::string& out, std::size_t max_bytes);
  void read_name(std::string_view key, std::string& out);   // str, a name (as_name)
  void read_bytes(std::string_view key, std::string& out);  // bin, or str
  void read(std::string_view key, bool& out);
  template <std::integral T>
  requires(!std::same_as<T, bool>) void read(std::string_view key, T& out);
  // An integer in [min, max]: for every number that is added to a clock or
  // multiplied, so the error tells the client the documented range.
  template <std::integral T>
  requires(!std::same_as<T, bool>) void read_in(std::string_view key, T& out, T min, T max);
  // An enum by name; parse is one of the *_from_string functions.
  template <typename Enum>
  void read_enum(std::string_view key, Enum& out, bool (*parse)(std::string_view, Enum&));

  // The array under key, or nullptr (absent, nil, or an error recorded: not an
  // array, more than max_items). Marks key as known.
  const msgpack::object_array* find_array(std::string_view key, std::size_t max_items);
  void read_strings(std::string_view key, std::vector<std::string>& out, std::size_t max_items);
  void read_names(std::string_view key, std::vector<std::string>& out, std::size_t max_items);
  void read_ids(std::string_view key, std::vector<std::uint64_t>& out, std::size_t max_items);

  // The path of a field of this map ("jobs[3].priority"), and of an item of
  // one of its arrays ("jobs[3]"), for nested readers and errors.
  std::string field_path(std::string_view key) const;
  std::string item_path(std::string_view key, std::size_t index) const;
  const std::string& what() const { return what_; }

  // Records "<what> field '<path>' <problem>" unless an error is already kept.
  void fail_at(const std::string& path, std::string_view problem);
  void fail(std::string_view key, std::string_view problem) { fail_at(field_path(key), problem); }
  // Keeps status if it is the first error (for nested readers).
  void merge(const Status& status);

  // For message families where nil means "not set" by their own spec (the
  // Ruby pool's frames, PROTOCOL.md): nil is then taken as absent instead of
  // refused. The client protocol never does this.
  void treat_nil_as_absent() { nil_as_absent_ = true; }

  bool ok() const { return status_.ok(); }
  // Lenient end: unknown fields are fine (replies, where a newer node may add some).
  const Status& status() const { return status_; }
  // Strict end: a field that was never asked for is an error (requests).
  Status finish();

 private:
  // The value under key, nil included; nullptr when absent.
  const msgpack::object* find_value(std::string_view key);
  template <typename Convert>
  void read_with(std::string_view key, Convert convert);
  // The array under key, each item through convert (as a convert:: check).
  template <typename T, typename Convert>
  void read_items(std::string_view key, std::vector<T>& out, std::size_t max_items,
                  Convert convert);

  const msgpack::object_map* map_ = nullptr;
  std::string what_;
  std::string map_path_;
  std::vector<std::string> known_;  // keys asked for, for finish()
  bool nil_as_absent_ = false;
  Status status_;
};

template <typename Convert>
void MapReader::read_with(std::string_view key, Convert convert) {
  const msgpack::object* obj = find_value(key);
  if (!obj || (nil_as_absent_ && obj->type == msgpack::type::NIL)) return;
  std::string problem = convert(*obj);
  if (!problem.empty()) fail(key, problem);
}

template <std::integral T>
requires(!std::same_as<T, bool>) void MapReader::read(std::string_view key, T& out) {
  read_with(key, [&](const msgpack::object& obj) { return codec::convert::as_integer(obj, out); });
}

template <std::integral T>
requires(!std::same_as<T, bool>) void MapReader::read_in(std::string_view key, T& out, T min,
                                                         T max) {
  read_with(key, [&](const msgpack::object& obj) {
    return codec::convert::as_integer_in(obj, out, min, max);
  });
}

template <typename Enum>
void MapReader::read_enum(std::string_view key, Enum& out, bool (*parse)(std::string_view, Enum&)) {
  read_with(key, [&](const msgpack::object& obj) -> std::string {
    std::string name;
    std::string problem = codec::convert::as_string(obj, name, codec::kMaxNameBytes);
    if (!problem.empty()) return problem;
    if (!parse(name, out)) return "has unknown value '" + codec::printable(name) + "'";
    return {};
  });
}

}  // namespace desaster::protocol
