// Hand-made older snapshots for the snapshot tests.
#pragma once

#include <msgpack.hpp>
#include <string>

namespace desaster::testing {

// A version 2 snapshot with the content of a version 3 one: its first 10
// fields (up to the pools), and queue records without the discipline
// accounting version 3 added.
inline std::string snapshot_as_v2(const std::string& v3) {
  msgpack::object_handle handle = msgpack::unpack(v3.data(), v3.size());
  const msgpack::object_array& fields = handle.get().via.array;
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(10);
  for (std::uint32_t i = 0; i < 10; ++i) {
    if (i == 1) {
      pk.pack(2);
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

}  // namespace desaster::testing
