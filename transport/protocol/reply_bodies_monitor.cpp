// The reply bodies of monitor_replies.hpp: one writer and one reader per
// body, side by side. Readers are lenient about unknown fields (a newer node
// may add some) and strict about the type of known ones.
#include <limits>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/monitor_replies.hpp"
#include "transport/protocol/reply_decode.hpp"

namespace desaster::protocol {

namespace {

constexpr const char* kWhat = "reply body";
constexpr std::size_t kMaxItems = std::numeric_limits<std::uint32_t>::max();

void read_number(MapReader& r, std::string_view key, double& out) {
  const msgpack::object* o = r.find(key);
  if (o == nullptr) return;
  switch (o->type) {
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      out = o->via.f64;
      return;
    case msgpack::type::POSITIVE_INTEGER:
      out = static_cast<double>(o->via.u64);
      return;
    case msgpack::type::NEGATIVE_INTEGER:
      out = static_cast<double>(o->via.i64);
      return;
    default:
      r.fail(key, "must be a number");
  }
}

// Reads each map of the array under key with read_item.
template <typename T, typename ReadItem>
void read_items(MapReader& r, std::string_view key, std::vector<T>& out, ReadItem read_item) {
  const msgpack::object_array* array = r.find_array(key, kMaxItems);
  if (!array) return;
  out.resize(array->size);
  for (std::uint32_t i = 0; i < array->size && r.ok(); ++i) {
    MapReader item(array->ptr[i], kWhat, r.item_path(key, i));
    if (item.ok()) read_item(item, out[i]);
    r.merge(item.status());
  }
}

}  // namespace

std::string encode_body(const ResourcesReply& b) {
  BodyWriter w;
  w.add("node", b.node).add("series", b.series).add("samples", b.samples);
  BodyWriter current;
  current.add("at", b.current.at).add("cpu_percent", b.current.cpu_percent);
  current.add("mem_used_kb", b.current.mem_used_kb).add("mem_total_kb", b.current.mem_total_kb);
  current.add("load1", b.current.load1).add("load5", b.current.load5);
  current.add("load15", b.current.load15);
  w.add_packed("current", current.finish());
  w.key("workers").pack_array(static_cast<std::uint32_t>(b.workers.size()));
  for (const WorkerResources& x : b.workers) {
    BodyWriter item;
    item.add("pid", x.pid).add("pool", x.pool).add("role", x.role).add("job", x.job);
    item.add("cpu_percent", x.cpu_percent).add("rss_kb", x.rss_kb);
    w.append_packed(item.finish());
  }
  w.key("history").pack_array(static_cast<std::uint32_t>(b.history.size()));
  for (const ResourcePoint& p : b.history) {
    BodyWriter item;
    item.add("at", p.at).add("samples", p.samples).add("cpu", p.cpu).add("cpu_max", p.cpu_max);
    item.add("mem_kb", p.mem_kb).add("mem_max_kb", p.mem_max_kb);
    item.add("load1", p.load1).add("load1_max", p.load1_max);
    w.append_packed(item.finish());
  }
  w.key("jobs_run").pack_array(static_cast<std::uint32_t>(b.jobs_run.size()));
  for (const auto& [node, count] : b.jobs_run) {
    BodyWriter item;
    item.add("node", node).add("count", count);
    w.append_packed(item.finish());
  }
  const ShellLimits& l = b.shell_limits;
  BodyWriter limits;
  limits.add("memory_mb", l.memory_mb).add("cpu_percent", l.cpu_percent);
  limits.add("grace_ms", l.grace_ms).add("killed_over_memory", l.killed_over_memory);
  limits.add("killed_over_cpu", l.killed_over_cpu);
  w.add_packed("shell_limits", limits.finish());
  return w.finish();
}

Status decode_body(std::string_view bytes, ResourcesReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, ResourcesReply& b) {
    r.read("node", b.node);
    r.read("series", b.series);
    r.read("samples", b.samples);
    if (const msgpack::object* current = r.find("current")) {
      MapReader c(*current, kWhat, r.field_path("current"));
      if (c.ok()) {
        c.read("at", b.current.at);
        read_number(c, "cpu_percent", b.current.cpu_percent);
        c.read("mem_used_kb", b.current.mem_used_kb);
        c.read("mem_total_kb", b.current.mem_total_kb);
        read_number(c, "load1", b.current.load1);
        read_number(c, "load5", b.current.load5);
        read_number(c, "load15", b.current.load15);
      }
      r.merge(c.status());
    }
    read_items(r, "workers", b.workers, [](MapReader& item, WorkerResources& x) {
      item.read("pid", x.pid);
      item.read("pool", x.pool);
      item.read("role", x.role);
      item.read("job", x.job);
      read_number(item, "cpu_percent", x.cpu_percent);
      item.read("rss_kb", x.rss_kb);
    });
    read_items(r, "history", b.history, [](MapReader& item, ResourcePoint& p) {
      item.read("at", p.at);
      item.read("samples", p.samples);
      read_number(item, "cpu", p.cpu);
      read_number(item, "cpu_max", p.cpu_max);
      item.read("mem_kb", p.mem_kb);
      item.read("mem_max_kb", p.mem_max_kb);
      read_number(item, "load1", p.load1);
      read_number(item, "load1_max", p.load1_max);
    });
    read_items(r, "jobs_run", b.jobs_run,
               [](MapReader& item, std::pair<std::string, std::uint64_t>& x) {
                 item.require("node");
                 item.read("node", x.first);
                 item.read("count", x.second);
               });
    if (const msgpack::object* limits = r.find("shell_limits")) {
      MapReader l(*limits, kWhat, r.field_path("shell_limits"));
      if (l.ok()) {
        l.read("memory_mb", b.shell_limits.memory_mb);
        l.read("cpu_percent", b.shell_limits.cpu_percent);
        l.read("grace_ms", b.shell_limits.grace_ms);
        l.read("killed_over_memory", b.shell_limits.killed_over_memory);
        l.read("killed_over_cpu", b.shell_limits.killed_over_cpu);
      }
      r.merge(l.status());
    }
  });
}

std::string encode_body(const BlacklistReply& b) {
  BodyWriter w;
  w.key("queues").pack_array(static_cast<std::uint32_t>(b.queues.size()));
  for (const BlacklistQueue& q : b.queues) {
    BodyWriter item;
    item.add("queue", q.queue).add("window_ms", q.window_ms).add("rejections", q.rejections);
    item.key("entries").pack_array(static_cast<std::uint32_t>(q.entries.size()));
    for (const BlacklistItem& e : q.entries) {
      BodyWriter entry;
      entry.add("identity", e.identity).add("job", e.job).add("seen_at", e.seen_at);
      entry.add("expires_at", e.expires_at).add("processed", e.processed);
      item.append_packed(entry.finish());
    }
    w.append_packed(item.finish());
  }
  return w.finish();
}

Status decode_body(std::string_view bytes, BlacklistReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, BlacklistReply& b) {
    r.require("queues");
    read_items(r, "queues", b.queues, [](MapReader& item, BlacklistQueue& q) {
      item.require("queue");
      item.read("queue", q.queue);
      item.read("window_ms", q.window_ms);
      item.read("rejections", q.rejections);
      read_items(item, "entries", q.entries, [](MapReader& e, BlacklistItem& x) {
        e.require("identity");
        e.read("identity", x.identity);
        e.read("job", x.job);
        e.read("seen_at", x.seen_at);
        e.read("expires_at", x.expires_at);
        e.read("processed", x.processed);
      });
    });
  });
}

}  // namespace desaster::protocol
