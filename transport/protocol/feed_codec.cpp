// The codec of feed_messages.hpp: requests strict, replies lenient about
// unknown fields, as elsewhere in the protocol.
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/reply_decode.hpp"

namespace desaster::protocol {

void write(BodyWriter&, const FeedSnapshot&) {}
void read(MapReader&, FeedSnapshot&) {}

void write(BodyWriter& w, const FeedOps& b) {
  w.add("from", b.from).add("to", b.to);
}
void read(MapReader& r, FeedOps& b) {
  r.require("from");
  r.require("to");
  r.read("from", b.from);
  r.read("to", b.to);
  if (!r.ok()) return;
  if (b.from == 0) return r.fail("from", "must be at least 1");
  if (b.to < b.from) r.fail("to", "must not be below from");
}

std::string encode_body(const FeedSnapshotReply& b) {
  BodyWriter w;
  w.add("index", b.index).add("term", b.term).add_bytes("snapshot", b.snapshot);
  return w.finish();
}

std::string encode_body(const FeedOpsReply& b) {
  BodyWriter w;
  BodyWriter::Packer& pk = w.key("frames");
  pk.pack_array(static_cast<std::uint32_t>(b.frames.size()));
  for (const std::string& frame : b.frames) BodyWriter::pack_bytes(pk, frame);
  return w.finish();
}

Status decode_body(std::string_view bytes, FeedSnapshotReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, FeedSnapshotReply& b) {
    r.require("index");
    r.require("snapshot");
    r.read("index", b.index);
    r.read("term", b.term);
    r.read_bytes("snapshot", b.snapshot);
  });
}

Status decode_body(std::string_view bytes, FeedOpsReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, FeedOpsReply& b) {
    r.require("frames");
    const msgpack::object_array* frames = r.find_array("frames", kMaxBatch);
    if (!frames) return;
    b.frames.resize(frames->size);
    for (std::uint32_t i = 0; i < frames->size; ++i) {
      if (std::string p = codec::convert::as_bytes(frames->ptr[i], b.frames[i]); !p.empty()) {
        return r.fail_at(r.item_path("frames", i), p);
      }
    }
  });
}

}  // namespace desaster::protocol
