// Building the msgpack map of a message body without counting fields first.
//
// msgpack puts a map's size before its entries; BodyWriter packs the entries
// as they come and writes the header in finish(), so optional fields are
// simply left out:
//
//   BodyWriter body;
//   body.add("heartbeat_ms", kWorkerHeartbeatMs);
//   pack_job_map(body.key("job"), job);  // any one value through the packer
//   std::string bytes = body.finish();
//   encode_reply(request_id, Status::success(), bytes);
//
// After key(), exactly one value must be packed before the next key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <msgpack.hpp>

namespace desaster::protocol {

class BodyWriter {
 public:
  using Packer = msgpack::packer<msgpack::sbuffer>;

  BodyWriter() : packer_(buffer_) {}
  BodyWriter(const BodyWriter&) = delete;  // the packer points at buffer_
  BodyWriter& operator=(const BodyWriter&) = delete;

  Packer& key(std::string_view name) {
    ++fields_;
    pack_string(packer_, name);
    return packer_;
  }

  // Strings go out as str, bytes as bin; numbers and bools as msgpack packs them.
  BodyWriter& add(std::string_view name, std::string_view text) {
    pack_string(key(name), text);
    return *this;
  }
  BodyWriter& add(std::string_view name, const char* text) {
    return add(name, std::string_view(text));
  }
  BodyWriter& add(std::string_view name, const std::string& text) {
    return add(name, std::string_view(text));
  }
  BodyWriter& add_bytes(std::string_view name, std::string_view bytes) {
    pack_bytes(key(name), bytes);
    return *this;
  }
  template <typename T>
  BodyWriter& add(std::string_view name, const T& value) {
    key(name).pack(value);
    return *this;
  }
  // A value packed elsewhere (a nested map from another BodyWriter).
  BodyWriter& add_packed(std::string_view name, std::string_view packed) {
    key(name);
    append_packed(packed);
    return *this;
  }
  // Packed bytes as the next value, e.g. an item of an array begun with
  // key(name).pack_array(n).
  void append_packed(std::string_view packed) { buffer_.write(packed.data(), packed.size()); }

  std::uint32_t size() const { return fields_; }

  // The whole map: header, then the entries.
  std::string finish() const {
    msgpack::sbuffer header;
    Packer(header).pack_map(fields_);
    std::string out;
    out.reserve(header.size() + buffer_.size());
    out.append(header.data(), header.size());
    out.append(buffer_.data(), buffer_.size());
    return out;
  }

  static void pack_string(Packer& pk, std::string_view text) {
    pk.pack_str(static_cast<std::uint32_t>(text.size()));
    pk.pack_str_body(text.data(), static_cast<std::uint32_t>(text.size()));
  }
  static void pack_bytes(Packer& pk, std::string_view bytes) {
    pk.pack_bin(static_cast<std::uint32_t>(bytes.size()));
    pk.pack_bin_body(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
  }

 private:
  msgpack::sbuffer buffer_;
  Packer packer_;
  std::uint32_t fields_ = 0;
};

}  // namespace desaster::protocol
