// Replies and pushes as frames: encode_reply, encode_push and decode_reply of
// messages.hpp. The typed bodies inside them are in reply_bodies.cpp.
#include "core/codec/text.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/envelope.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster::protocol {

std::string encode_reply(std::uint64_t id, const Status& status, std::string_view body) {
  if (status.ok()) return encode_envelope(id, to_string(status.code), body);
  // An error reply carries its message and nothing else.
  BodyWriter w;
  w.add("message", codec::to_valid_utf8(status.message));
  return encode_envelope(id, to_string(status.code), w.finish());
}

std::string encode_push(std::string_view type, std::string_view body) {
  return encode_envelope(0, type, body);
}

Result<Reply> decode_reply(std::string_view frame) {
  Result<Envelope> envelope = decode_envelope(frame, {"reply", "status", "this client"}, nullptr);
  if (!envelope.ok()) return envelope.status();
  Reply reply;
  reply.id = envelope->id;
  ErrorCode code{};
  const bool is_status = error_code_from_string(envelope->word, code);
  // Id 0 is a push, unless it is an error about a frame whose id the node
  // could not read: push types are never status names.
  if (reply.id == 0 && !(is_status && code != ErrorCode::ok)) {
    reply.type = std::string(envelope->word);
  } else {
    if (!is_status) {
      return Status::error(ErrorCode::bad_request,
                           "reply status '" + codec::printable(envelope->word) + "' is not known");
    }
    if (code != ErrorCode::ok) {
      MapReader r(*envelope->body, "reply body");
      std::string message;
      r.read("message", message);
      if (!r.ok()) return r.status();
      reply.status = Status::error(code, std::move(message));
    }
  }
  msgpack::sbuffer body;
  msgpack::pack(body, *envelope->body);
  reply.body.assign(body.data(), body.size());
  return reply;
}

}  // namespace desaster::protocol
