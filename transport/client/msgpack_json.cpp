// See msgpack_json.hpp.
#include "transport/client/msgpack_json.hpp"

#include <cmath>
#include <cstdio>
#include <string_view>

namespace desaster {

namespace {

void write_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        // Bytes above 0x7f are escaped one by one: the text may not be UTF-8.
        if (c < 0x20 || c >= 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void write_value(std::string& out, const msgpack::object& obj) {
  switch (obj.type) {
    case msgpack::type::NIL:
      out += "null";
      return;
    case msgpack::type::BOOLEAN:
      out += obj.via.boolean ? "true" : "false";
      return;
    case msgpack::type::POSITIVE_INTEGER:
      out += std::to_string(obj.via.u64);
      return;
    case msgpack::type::NEGATIVE_INTEGER:
      out += std::to_string(obj.via.i64);
      return;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: {
      if (!std::isfinite(obj.via.f64)) {
        out += "null";
        return;
      }
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", obj.via.f64);
      out += buf;
      return;
    }
    case msgpack::type::STR:
      write_string(out, {obj.via.str.ptr, obj.via.str.size});
      return;
    case msgpack::type::BIN:
      write_string(out, {obj.via.bin.ptr, obj.via.bin.size});
      return;
    case msgpack::type::ARRAY:
      out += '[';
      for (std::uint32_t i = 0; i < obj.via.array.size; ++i) {
        if (i) out += ',';
        write_value(out, obj.via.array.ptr[i]);
      }
      out += ']';
      return;
    case msgpack::type::MAP:
      out += '{';
      for (std::uint32_t i = 0; i < obj.via.map.size; ++i) {
        if (i) out += ',';
        const msgpack::object& key = obj.via.map.ptr[i].key;
        if (key.type == msgpack::type::STR) {
          write_value(out, key);
        } else {
          std::string text;
          write_value(text, key);
          write_string(out, text);
        }
        out += ':';
        write_value(out, obj.via.map.ptr[i].val);
      }
      out += '}';
      return;
    case msgpack::type::EXT:
      out += "null";
      return;
  }
  out += "null";
}

}  // namespace

std::string msgpack_to_json(const msgpack::object& obj) {
  std::string out;
  write_value(out, obj);
  return out;
}

}  // namespace desaster
