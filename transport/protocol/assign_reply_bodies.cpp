// The reply bodies of "assign": writer and reader side by side. Readers are
// lenient about unknown fields, like every reply reader.
#include <limits>

#include "transport/protocol/assign_replies.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/reply_decode.hpp"

namespace desaster::protocol {

namespace {

constexpr const char* kWhat = "reply body";
constexpr std::size_t kMaxItems = std::numeric_limits<std::uint32_t>::max();

void read_queues(MapReader& r, std::vector<PoolQueue>& out) {
  const msgpack::object_array* queues = r.find_array("queues", kMaxItems);
  if (!queues) return;
  out.resize(queues->size);
  for (std::uint32_t i = 0; i < queues->size && r.ok(); ++i) {
    MapReader item(queues->ptr[i], kWhat, r.item_path("queues", i));
    item.require("name");
    item.read("name", out[i].name);
    item.read("weight", out[i].weight);
    r.merge(item.status());
  }
}

}  // namespace

std::string encode_body(const AssignmentsReply& b) {
  BodyWriter w;
  w.key("pools").pack_array(static_cast<std::uint32_t>(b.pools.size()));
  for (const PoolAssignmentSummary& pool : b.pools) {
    BodyWriter item;
    item.add("pool", pool.pool).add("node", pool.node);
    item.key("queues").pack_array(static_cast<std::uint32_t>(pool.queues.size()));
    for (const PoolQueue& q : pool.queues) {
      BodyWriter queue;
      queue.add("name", q.name).add("weight", q.weight);
      item.append_packed(queue.finish());
    }
    item.add("default", pool.is_default).add("paused", pool.paused);
    w.append_packed(item.finish());
  }
  BodyWriter::Packer& draining = w.key("draining");
  draining.pack_array(static_cast<std::uint32_t>(b.draining.size()));
  for (const std::string& node : b.draining) BodyWriter::pack_string(draining, node);
  return w.finish();
}

Status decode_body(std::string_view bytes, AssignmentsReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, AssignmentsReply& b) {
    r.require("pools");
    if (const msgpack::object_array* pools = r.find_array("pools", kMaxItems)) {
      b.pools.resize(pools->size);
      for (std::uint32_t i = 0; i < pools->size && r.ok(); ++i) {
        PoolAssignmentSummary& pool = b.pools[i];
        MapReader item(pools->ptr[i], kWhat, r.item_path("pools", i));
        item.require("pool");
        item.read("pool", pool.pool);
        item.read("node", pool.node);
        read_queues(item, pool.queues);
        item.read("default", pool.is_default);
        item.read("paused", pool.paused);
        r.merge(item.status());
      }
    }
    if (r.ok()) r.read_strings("draining", b.draining, kMaxItems);
  });
}

std::string encode_body(const DrainReply& b) {
  BodyWriter w;
  w.add("node", b.node);
  return w.finish();
}

Status decode_body(std::string_view bytes, DrainReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, DrainReply& b) {
    r.require("node");
    r.read("node", b.node);
  });
}

}  // namespace desaster::protocol
