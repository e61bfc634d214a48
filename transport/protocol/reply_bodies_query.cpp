// The body of the "groups" reply (query_replies.hpp). Lenient like every
// reply reader: unknown fields are skipped, known ones must have their type.
#include <limits>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/replies.hpp"

namespace desaster::protocol {

namespace {
constexpr const char* kWhat = "reply body";
}

std::string encode_body(const GroupsReply& b) {
  BodyWriter w;
  w.key("groups").pack_array(static_cast<std::uint32_t>(b.groups.size()));
  for (const GroupSummary& g : b.groups) {
    BodyWriter item;
    item.add_bytes("key", g.key).add("count", g.count).add("example", g.example);
    w.append_packed(item.finish());
  }
  w.add("index", b.index).add("term", b.term);
  return w.finish();
}

Status decode_body(std::string_view bytes, GroupsReply& out) {
  Result<msgpack::object_handle> unpacked = codec::unpack_bounded(bytes, kWhat);
  if (!unpacked.ok()) return unpacked.status();
  MapReader r(unpacked->get(), kWhat);
  GroupsReply body;
  r.require("groups");
  if (const msgpack::object_array* groups =
          r.find_array("groups", std::numeric_limits<std::uint32_t>::max())) {
    body.groups.resize(groups->size);
    for (std::uint32_t i = 0; i < groups->size && r.ok(); ++i) {
      GroupSummary& g = body.groups[i];
      MapReader item(groups->ptr[i], kWhat, r.item_path("groups", i));
      item.require("key");
      item.read_bytes("key", g.key);
      item.read("count", g.count);
      item.read("example", g.example);
      r.merge(item.status());
    }
  }
  r.read("index", body.index);
  r.read("term", body.term);
  if (!r.ok()) return r.status();
  out = std::move(body);
  return Status::success();
}

}  // namespace desaster::protocol
