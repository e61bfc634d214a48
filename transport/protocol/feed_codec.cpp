// The codec of feed_messages.hpp: requests strict, replies lenient about
// unknown fields, as elsewhere in the protocol.
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/reply_decode.hpp"

namespace desaster::protocol {

void write(BodyWriter& w, const FeedSnapshot& b) {
  if (b.offset != 0) w.add("offset", b.offset).add("index", b.index);
}
void read(MapReader& r, FeedSnapshot& b) {
  r.read("offset", b.offset);
  r.read("index", b.index);
  if (r.ok() && b.offset != 0 && b.index == 0) r.fail("index", "must name the snapshot read");
}

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
  w.add("index", b.index).add("term", b.term).add("offset", b.offset).add("total", b.total);
  w.add_bytes("snapshot", b.snapshot);
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
    r.read("offset", b.offset);
    r.read("total", b.total);
    r.read_bytes("snapshot", b.snapshot);
    if (!r.ok()) return;
    // A node without chunks sends the whole encoding and no total.
    if (r.find("total") == nullptr) b.total = b.snapshot.size();
    if (b.total > kMaxFeedSnapshotBytes)
      return r.fail("total", "is past the largest snapshot taken");
    if (b.offset > b.total || b.snapshot.size() > b.total - b.offset) {
      return r.fail("snapshot", "runs past the total");
    }
    if (b.snapshot.empty() && b.offset < b.total) r.fail("snapshot", "is empty before the end");
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
