// Decoding a reply body, as every reply codec does it: unpack the whole
// bytes, read the map with `read`, and change `out` only on success.
#pragma once

#include <string_view>
#include <utility>

#include "transport/protocol/map_reader.hpp"

namespace desaster::protocol {

template <typename Body, typename Read>
Status decode_reply_body(std::string_view bytes, Body& out, Read read) {
  constexpr const char* kWhat = "reply body";
  Result<msgpack::object_handle> unpacked = codec::unpack_bounded(bytes, kWhat);
  if (!unpacked.ok()) return unpacked.status();
  MapReader r(unpacked->get(), kWhat);
  Body body;
  if (r.ok()) read(r, body);
  if (!r.ok()) return r.status();
  out = std::move(body);
  return Status::success();
}

}  // namespace desaster::protocol
