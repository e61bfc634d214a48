// The frame layout every message shares: [version, id, word, body], where
// word is a request's type, a reply's status or a push's type. Requests,
// replies and pushes differ only in what they do with the word and the body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "core/model/status.hpp"

namespace desaster::protocol {

struct Envelope {
  msgpack::object_handle handle;  // owns what word and body point into
  std::uint64_t id = 0;
  std::string_view word;
  const msgpack::object* body = nullptr;  // a map
};

// Names for the errors of one side of the protocol.
struct EnvelopeNames {
  const char* what;     // "request"
  const char* word;     // "type"
  const char* speaker;  // "this node"
};

// Checks the frame's size and layout and the protocol version. *id_for_error
// gets the id as soon as it is readable, so even a frame refused for its
// version or body can be answered.
Result<Envelope> decode_envelope(std::string_view frame, const EnvelopeNames& names,
                                 std::uint64_t* id_for_error);

// The same frame with another id (a follower forwarding a request to the
// leader under an id of its own, and the reply back under the client's).
// The frame must decode as an envelope; *old_id gets the id it had.
Result<std::string> with_envelope_id(std::string_view frame, std::uint64_t id,
                                     const EnvelopeNames& names, std::uint64_t* old_id);

// body: an already-packed msgpack map, copied in as it is.
std::string encode_envelope(std::uint64_t id, std::string_view word, std::string_view body);

}  // namespace desaster::protocol
