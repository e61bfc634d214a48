// The typed reply and push bodies of replies.hpp: one writer and one reader
// per body, side by side.
#include <limits>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/job_wire.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/pool_wire.hpp"
#include "transport/protocol/replies.hpp"
#include "transport/protocol/reply_decode.hpp"

namespace desaster::protocol {

namespace {

constexpr const char* kWhat = "reply body";
constexpr std::size_t kMaxQueues = std::numeric_limits<std::uint32_t>::max();
constexpr JobState kAllStates[] = {JobState::scheduled, JobState::queued, JobState::running,
                                   JobState::succeeded, JobState::failed, JobState::dead,
                                   JobState::killed};

void pack_statuses(BodyWriter& w, std::string_view name, const std::vector<Status>& errors) {
  Packer& pk = w.key(name);
  pk.pack_array(static_cast<std::uint32_t>(errors.size()));
  for (const Status& status : errors) pack_status(pk, status);
}

void read_statuses(MapReader& r, std::string_view name, std::vector<Status>& out) {
  const msgpack::object_array* array = r.find_array(name, kMaxBatch);
  if (!array) return;
  out.resize(array->size);
  for (std::uint32_t i = 0; i < array->size && r.ok(); ++i)
    r.merge(unpack_status(array->ptr[i], out[i], kWhat, r.item_path(name, i)));
}

std::optional<JobEta> eta_at(const std::vector<std::optional<JobEta>>& etas, std::size_t i) {
  return i < etas.size() ? etas[i] : std::nullopt;
}

void pack_optional_jobs(BodyWriter& w, std::string_view name,
                        const std::vector<std::optional<Job>>& jobs,
                        const std::vector<std::optional<JobEta>>& etas = {}) {
  Packer& pk = w.key(name);
  pk.pack_array(static_cast<std::uint32_t>(jobs.size()));
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i]) {
      pack_job_map(pk, *jobs[i], eta_at(etas, i));
    } else {
      pk.pack_nil();
    }
  }
}

// etas, when given, gets one entry per job (none for nil).
void read_optional_jobs(MapReader& r, std::string_view name, std::vector<std::optional<Job>>& out,
                        std::vector<std::optional<JobEta>>* etas = nullptr) {
  const msgpack::object_array* array = r.find_array(name, kMaxBatch);
  if (!array) return;
  out.resize(array->size);
  if (etas) etas->resize(array->size);
  for (std::uint32_t i = 0; i < array->size && r.ok(); ++i) {
    if (array->ptr[i].type == msgpack::type::NIL) continue;
    Job job;
    r.merge(unpack_job_map(array->ptr[i], job, kWhat, r.item_path(name, i),
                           etas ? &(*etas)[i] : nullptr));
    out[i] = std::move(job);
  }
}

}  // namespace

std::string encode_body(const HelloReply& b) {
  BodyWriter w;
  w.add("node", b.node).add("version", b.version).add("protocol", b.protocol);
  return w.finish();
}

Status decode_body(std::string_view bytes, HelloReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, HelloReply& b) {
    r.read("node", b.node);
    r.read("version", b.version);
    r.require("protocol");
    r.read("protocol", b.protocol);
  });
}

std::string encode_body(const EnqueueReply& b) {
  BodyWriter w;
  Packer& pk = w.key("ids");
  pk.pack_array(static_cast<std::uint32_t>(b.ids.size()));
  for (JobId id : b.ids) {
    if (id == 0) {
      pk.pack_nil();
    } else {
      pk.pack(id);
    }
  }
  pack_statuses(w, "errors", b.errors);
  if (!b.jobs.empty()) pack_optional_jobs(w, "jobs", b.jobs);
  return w.finish();
}

Status decode_body(std::string_view bytes, EnqueueReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, EnqueueReply& b) {
    r.require("ids");
    if (const msgpack::object_array* ids = r.find_array("ids", kMaxBatch)) {
      b.ids.assign(ids->size, 0);
      for (std::uint32_t i = 0; i < ids->size && r.ok(); ++i) {
        if (ids->ptr[i].type == msgpack::type::NIL) continue;
        std::string problem = codec::convert::as_integer(ids->ptr[i], b.ids[i]);
        if (!problem.empty()) r.fail_at(r.item_path("ids", i), problem);
      }
    }
    read_statuses(r, "errors", b.errors);
    read_optional_jobs(r, "jobs", b.jobs);
    // Callers index errors and jobs by the ids' positions.
    if (r.ok() && b.errors.size() != b.ids.size() && !b.errors.empty())
      r.fail("errors", "has " + std::to_string(b.errors.size()) + " items for " +
                           std::to_string(b.ids.size()) + " ids");
    if (r.ok() && b.jobs.size() != b.ids.size() && !b.jobs.empty())
      r.fail("jobs", "has " + std::to_string(b.jobs.size()) + " items for " +
                         std::to_string(b.ids.size()) + " ids");
    if (b.errors.empty()) b.errors.resize(b.ids.size());
  });
}

std::string encode_body(const WaitReply& b) {
  BodyWriter w;
  pack_optional_jobs(w, "jobs", b.jobs, b.etas);
  return w.finish();
}

Status decode_body(std::string_view bytes, WaitReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, WaitReply& b) {
    r.require("jobs");
    read_optional_jobs(r, "jobs", b.jobs, &b.etas);
  });
}

std::string encode_body(const GetReply& b) {
  BodyWriter w;
  pack_job_map(w.key("job"), b.job, b.eta);
  w.add("index", b.index).add("term", b.term);
  return w.finish();
}

Status decode_body(std::string_view bytes, GetReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, GetReply& b) {
    r.require("job");
    if (const msgpack::object* job = r.find("job"))
      r.merge(unpack_job_map(*job, b.job, kWhat, r.field_path("job"), &b.eta));
    r.read("index", b.index);
    r.read("term", b.term);
  });
}

std::string encode_body(const ListReply& b) {
  BodyWriter w;
  Packer& pk = w.key("jobs");
  pk.pack_array(static_cast<std::uint32_t>(b.jobs.size()));
  for (std::size_t i = 0; i < b.jobs.size(); ++i) pack_job_map(pk, b.jobs[i], eta_at(b.etas, i));
  w.add("next", b.next).add("total", b.total);
  w.add("cursor", b.cursor).add("total_exact", b.total_exact);
  w.add("index", b.index).add("term", b.term);
  return w.finish();
}

Status decode_body(std::string_view bytes, ListReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, ListReply& b) {
    r.require("jobs");
    if (const msgpack::object_array* jobs = r.find_array("jobs", kMaxBatch)) {
      b.jobs.resize(jobs->size);
      b.etas.resize(jobs->size);
      for (std::uint32_t i = 0; i < jobs->size && r.ok(); ++i)
        r.merge(unpack_job_map(jobs->ptr[i], b.jobs[i], kWhat, r.item_path("jobs", i), &b.etas[i]));
    }
    r.read("next", b.next);
    r.read("total", b.total);
    r.read("cursor", b.cursor);
    r.read("total_exact", b.total_exact);
    r.read("index", b.index);
    r.read("term", b.term);
  });
}

std::string encode_body(const ErrorsReply& b) {
  BodyWriter w;
  pack_statuses(w, "errors", b.errors);
  return w.finish();
}

Status decode_body(std::string_view bytes, ErrorsReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, ErrorsReply& b) {
    r.require("errors");
    read_statuses(r, "errors", b.errors);
  });
}

std::string encode_body(const QueuesReply& b) {
  BodyWriter w;
  w.key("queues").pack_array(static_cast<std::uint32_t>(b.queues.size()));
  for (const QueueSummary& queue : b.queues) {
    BodyWriter counts;
    for (JobState state : kAllStates)
      counts.add(to_string(state), queue.counts[static_cast<std::size_t>(state)]);
    BodyWriter item;
    item.add("name", queue.name).add("paused", queue.paused).add_packed("counts", counts.finish());
    if (!queue.qdisc.empty()) item.add("qdisc", queue.qdisc);
    w.append_packed(item.finish());
  }
  return w.finish();
}

Status decode_body(std::string_view bytes, QueuesReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, QueuesReply& b) {
    r.require("queues");
    const msgpack::object_array* queues = r.find_array("queues", kMaxQueues);
    if (!queues) return;
    b.queues.resize(queues->size);
    for (std::uint32_t i = 0; i < queues->size && r.ok(); ++i) {
      QueueSummary& queue = b.queues[i];
      MapReader item(queues->ptr[i], kWhat, r.item_path("queues", i));
      item.read("name", queue.name);
      item.read("paused", queue.paused);
      if (const msgpack::object* counts = item.find("counts")) {
        MapReader by_state(*counts, kWhat, item.field_path("counts"));
        for (JobState state : kAllStates)
          by_state.read(to_string(state), queue.counts[static_cast<std::size_t>(state)]);
        item.merge(by_state.status());
      }
      item.read("qdisc", queue.qdisc);
      r.merge(item.status());
    }
  });
}

std::string encode_body(const NodesReply& b) {
  BodyWriter w;
  w.add("mode", b.mode).add("beacons_dropped", b.beacons_dropped);
  w.key("nodes").pack_array(static_cast<std::uint32_t>(b.nodes.size()));
  for (const NodeSummary& node : b.nodes) {
    BodyWriter item;
    item.add("node", node.node).add("address", node.address).add("port", node.port);
    item.add("role", node.role).add("self", node.self).add("term", node.term);
    item.add("index", node.index).add("last_seen_ms", node.last_seen_ms);
    item.add("running", node.running).add("free_slots", node.free_slots);
    item.add("draining", node.draining);
    item.add("commit", node.commit);
    if (node.lag) item.add("lag", *node.lag);
    w.append_packed(item.finish());
  }
  return w.finish();
}

Status decode_body(std::string_view bytes, NodesReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, NodesReply& b) {
    r.require("nodes");
    r.read("mode", b.mode);
    r.read("beacons_dropped", b.beacons_dropped);
    const msgpack::object_array* nodes = r.find_array("nodes", kMaxQueues);
    if (!nodes) return;
    b.nodes.resize(nodes->size);
    for (std::uint32_t i = 0; i < nodes->size && r.ok(); ++i) {
      NodeSummary& node = b.nodes[i];
      MapReader item(nodes->ptr[i], kWhat, r.item_path("nodes", i));
      item.require("node");
      item.read("node", node.node);
      item.read("address", node.address);
      item.read("port", node.port);
      item.read("role", node.role);
      item.read("self", node.self);
      item.read("term", node.term);
      item.read("index", node.index);
      item.read("last_seen_ms", node.last_seen_ms);
      item.read("running", node.running);
      item.read("free_slots", node.free_slots);
      item.read("draining", node.draining);
      item.read("commit", node.commit);
      if (item.find("lag") != nullptr) {
        std::uint64_t lag = 0;
        item.read("lag", lag);
        node.lag = lag;
      }
      r.merge(item.status());
    }
  });
}

std::string encode_body(const WorkerReply& b) {
  BodyWriter w;
  w.add("heartbeat_ms", b.heartbeat_ms);
  if (b.batch) w.add("batch", true);
  return w.finish();
}

Status decode_body(std::string_view bytes, WorkerReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, WorkerReply& b) {
    r.read("heartbeat_ms", b.heartbeat_ms);
    r.read("batch", b.batch);
  });
}

std::string encode_body(const LeasePush& b) {
  BodyWriter w;
  pack_job_map(w.key("job"), b.job);
  w.add("term", b.term);
  return w.finish();
}

Status decode_body(std::string_view bytes, LeasePush& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, LeasePush& b) {
    r.require("job");
    r.require("term");
    if (const msgpack::object* job = r.find("job"))
      r.merge(unpack_job_map(*job, b.job, kWhat, r.field_path("job")));
    r.read("term", b.term);
  });
}

std::string encode_body(const PoolsReply& b) {
  BodyWriter w;
  w.key("pools").pack_array(static_cast<std::uint32_t>(b.pools.size()));
  for (const PoolSummary& p : b.pools) {
    BodyWriter item;
    item.add_packed("spec", encode_pool_spec(p.spec)).add("local", p.local);
    if (p.local) {
      item.add("master_state", p.master_state).add("master_pid", p.master_pid);
      item.add("generation", p.generation).add("last_error", p.last_error);
      item.add("target", p.target).add("waiting", p.waiting).add("spawned", p.spawned);
      item.add("died", p.died).add("killed_past_timeout", p.killed_past_timeout);
      item.add("replaced_over_memory", p.replaced_over_memory).add("jobs_done", p.jobs_done);
      item.add("replaced_over_cpu", p.replaced_over_cpu).add("killed_over_cpu", p.killed_over_cpu);
      item.add("killed_over_memory", p.killed_over_memory);
      item.key("workers").pack_array(static_cast<std::uint32_t>(p.workers.size()));
      for (const PoolWorkerSummary& wk : p.workers) {
        BodyWriter worker;
        worker.add("slot", wk.slot).add("pid", wk.pid).add("state", wk.state);
        worker.add("job", wk.job).add("rss_kb", wk.rss_kb).add("restarts", wk.restarts);
        worker.add("outdated", wk.outdated);
        item.append_packed(worker.finish());
      }
    }
    w.append_packed(item.finish());
  }
  return w.finish();
}

Status decode_body(std::string_view bytes, PoolsReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, PoolsReply& b) {
    r.require("pools");
    const msgpack::object_array* pools = r.find_array("pools", kMaxQueues);
    if (!pools) return;
    b.pools.resize(pools->size);
    for (std::uint32_t i = 0; i < pools->size && r.ok(); ++i) {
      PoolSummary& p = b.pools[i];
      MapReader item(pools->ptr[i], kWhat, r.item_path("pools", i));
      item.require("spec");
      if (const msgpack::object* spec = item.find("spec")) {
        MapReader s(*spec, kWhat, item.field_path("spec"));
        read_pool_spec(s, p.spec);
        item.merge(s.status());
      }
      item.read("local", p.local);
      item.read("master_state", p.master_state);
      item.read("master_pid", p.master_pid);
      item.read("generation", p.generation);
      item.read_bytes("last_error", p.last_error);
      item.read("target", p.target);
      item.read("waiting", p.waiting);
      item.read("spawned", p.spawned);
      item.read("died", p.died);
      item.read("killed_past_timeout", p.killed_past_timeout);
      item.read("replaced_over_memory", p.replaced_over_memory);
      item.read("replaced_over_cpu", p.replaced_over_cpu);
      item.read("killed_over_cpu", p.killed_over_cpu);
      item.read("killed_over_memory", p.killed_over_memory);
      item.read("jobs_done", p.jobs_done);
      if (const msgpack::object_array* workers = item.find_array("workers", kMaxQueues)) {
        p.workers.resize(workers->size);
        for (std::uint32_t k = 0; k < workers->size && item.ok(); ++k) {
          PoolWorkerSummary& wk = p.workers[k];
          MapReader wr(workers->ptr[k], kWhat, item.item_path("workers", k));
          wr.read("slot", wk.slot);
          wr.read("pid", wk.pid);
          wr.read("state", wk.state);
          wr.read("job", wk.job);
          wr.read("rss_kb", wk.rss_kb);
          wr.read("restarts", wk.restarts);
          wr.read("outdated", wk.outdated);
          item.merge(wr.status());
        }
      }
      r.merge(item.status());
    }
  });
}

}  // namespace desaster::protocol
