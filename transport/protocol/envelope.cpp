// Encoding and checking the [version, id, word, body] frame; see envelope.hpp.
#include "transport/protocol/envelope.hpp"

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster::protocol {

namespace {
Status bad(std::string message) {
  return Status::error(ErrorCode::bad_request, std::move(message));
}
}  // namespace

Result<Envelope> decode_envelope(std::string_view frame, const EnvelopeNames& names,
                                 std::uint64_t* id_for_error) {
  const std::string what = names.what;
  if (frame.size() > kMaxFrameBytes) {
    return bad(what + " of " + std::to_string(frame.size()) +
               " bytes is larger than the limit of " + std::to_string(kMaxFrameBytes));
  }
  Result<msgpack::object_handle> unpacked = codec::unpack_bounded(frame, what);
  if (!unpacked.ok()) return unpacked.status();
  Envelope envelope;
  envelope.handle = std::move(unpacked.value());
  const msgpack::object& root = envelope.handle.get();
  if (root.type != msgpack::type::ARRAY || root.via.array.size != 4) {
    return bad(what + " must be an array of 4: [version, id, " + names.word + ", body]");
  }
  const msgpack::object* items = root.via.array.ptr;
  std::string problem = codec::convert::as_integer(items[1], envelope.id);
  if (!problem.empty()) return bad(what + " id " + problem);
  if (id_for_error) *id_for_error = envelope.id;

  std::uint64_t version = 0;
  problem = codec::convert::as_integer(items[0], version);
  if (!problem.empty()) return bad(what + " version " + problem);
  if (version != kProtocolVersion) {
    return bad("protocol version " + std::to_string(version) + " is not supported (" +
               names.speaker + " speaks " + std::to_string(kProtocolVersion) + ")");
  }
  if (items[2].type != msgpack::type::STR)
    return bad(what + " " + names.word + " must be a string");
  envelope.word = {items[2].via.str.ptr, items[2].via.str.size};
  if (items[3].type != msgpack::type::MAP) return bad(what + " body must be a map");
  envelope.body = &items[3];
  return envelope;
}

Result<std::string> with_envelope_id(std::string_view frame, std::uint64_t id,
                                     const EnvelopeNames& names, std::uint64_t* old_id) {
  Result<Envelope> envelope = decode_envelope(frame, names, nullptr);
  if (!envelope.ok()) return envelope.status();
  if (old_id) *old_id = envelope->id;
  msgpack::sbuffer buffer(frame.size() + 16);
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(kProtocolVersion);
  pk.pack(id);
  BodyWriter::pack_string(pk, envelope->word);
  pk.pack(*envelope->body);
  return std::string(buffer.data(), buffer.size());
}

std::string encode_envelope(std::uint64_t id, std::string_view word, std::string_view body) {
  msgpack::sbuffer buffer(body.size() + 32);
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(kProtocolVersion);
  pk.pack(id);
  BodyWriter::pack_string(pk, word);
  if (body.empty()) {
    pk.pack_map(0);
  } else {
    buffer.write(body.data(), body.size());
  }
  return std::string(buffer.data(), buffer.size());
}

}  // namespace desaster::protocol
