// Hand-made older snapshots for the snapshot tests.
#pragma once

#include <msgpack.hpp>
#include <string>

namespace desaster::testing {

// `current` rewritten as an older version writes it: version 2 has the first
// 10 fields (up to the pools), version 3 the first 13 (up to the completions
// per node); both have queue records without the discipline accounting
// version 4 added.
inline std::string snapshot_as_version(const std::string& current, std::uint32_t version) {
  const std::uint32_t kept = version == 2 ? 10 : 13;
  msgpack::object_handle handle = msgpack::unpack(current.data(), current.size());
  const msgpack::object_array& fields = handle.get().via.array;
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(kept);
  for (std::uint32_t i = 0; i < kept; ++i) {
    if (i == 1) {
      pk.pack(version);
    } else if (i == 7) {
      const msgpack::object_array& queues = fields.ptr[i].via.array;
      pk.pack_array(queues.size);
      for (std::uint32_t q = 0; q < queues.size; ++q) {
        pk.pack_array(4);
        for (std::uint32_t f = 0; f < 4; ++f) pk.pack(queues.ptr[q].via.array.ptr[f]);
      }
    } else {
      pk.pack(fields.ptr[i]);
    }
  }
  return std::string(buffer.data(), buffer.size());
}

inline std::string snapshot_as_v2(const std::string& current) {
  return snapshot_as_version(current, 2);
}

}  // namespace desaster::testing
