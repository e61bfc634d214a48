// The snapshot: the whole state as one msgpack array
//
//   ["desaster-state", version, applied_index, applied_term, max_job_id,
//    head_counter, totals[7], queues[[name, explicit_create, last_leased,
//    config, qdisc_accounting]...], jobs[[head_rank, job]...], pools[spec...],
//    assignments, blacklists[[queue, rejections, [[identity, job, seen_at,
//    expires_at, processed]...]]...], jobs_run_by_node[[node, count]...],
//    service_times, cron[entry...]]
//
//   assignments = [attached[[pool, node, [[queue, weight]...]]...],
//                  paused[[pool, node]...], draining[node...]]
//   service_times = [[mean_us, samples], [[class, mean_us, samples]...]]
//
// Version 2 added pools; version 3 the worker assignments, the
// de-duplication blacklists and the completions per node; version 4 each
// queue's discipline accounting (its configuration is in the queue config)
// and the service times; version 5 the cron entries (cron_codec.cpp). Older snapshots still load,
// with none of what came later: fresh accounting and no service times.
//
// Indexes are not stored: they follow from the jobs and are rebuilt on
// decode. What they cannot be rebuilt from (a queued job's head rank, the
// counter behind it, each queue's last lease) is stored, so a restored state
// dispatches in exactly the original's order. Decoding checks every
// invariant apply relies on, so a damaged snapshot is refused, not loaded.
#include <limits>

#include "core/model/job_id.hpp"
#include "core/qdisc/qdisc_config_codec.hpp"
#include "core/state/codec_detail.hpp"
#include "core/state/op_codec.hpp"
#include "core/state/state_impl.hpp"

namespace desaster {

using namespace state_detail;
using codec::Fields;
using codec::Path;

namespace {

constexpr std::string_view kSnapshotMagic = "desaster-state";
constexpr std::uint32_t kSnapshotVersion = 5;
constexpr std::size_t kSnapshotFieldsV1 = 9;
constexpr std::size_t kSnapshotFieldsV2 = 10;
constexpr std::size_t kSnapshotFieldsV3 = 13;
constexpr std::size_t kSnapshotFieldsV4 = 14;
constexpr std::size_t kSnapshotFields = 15;
constexpr std::size_t kBlacklistEntryFields = 5;
constexpr std::size_t kTotalsFields = 7;
constexpr std::size_t kQueueFieldsV3 = 4;
constexpr std::size_t kQueueFields = 5;

// A queue's discipline accounting, read before the jobs and applied after
// them: decode_accounting checks it against the entries held.
using PendingAccounting = std::vector<std::pair<QueueEntry*, std::string>>;

void pack_average(msgpack::packer<msgpack::sbuffer>& pk, const ServiceAverage& a) {
  pk.pack_array(2);
  pk.pack(a.mean_us);
  pk.pack(a.samples);
}

void pack_service_times(msgpack::packer<msgpack::sbuffer>& pk, const ServiceTimes& t) {
  pk.pack_array(2);
  pack_average(pk, t.all);
  pk.pack_array(static_cast<std::uint32_t>(t.by_class.size()));
  for (const auto& [name, a] : t.by_class) {
    pk.pack_array(3);
    codec::pack_string(pk, name);
    pk.pack(a.mean_us);
    pk.pack(a.samples);
  }
}

ServiceAverage read_average(const Fields& f, std::size_t first, const Path& p) {
  ServiceAverage a;
  a.mean_us = f.i64(first, "mean_us");
  a.samples = f.u64(first + 1, "samples");
  if (a.mean_us < 0) codec::fail(p, "negative mean");
  if (a.samples == 0 && a.mean_us != 0) codec::fail(p, "a mean without samples");
  return a;
}

ServiceTimes read_service_times(const msgpack::object& o, const Path& p) {
  Fields f(o, p, 2);
  ServiceTimes t;
  Path ap = f.path("all");
  Fields all(f[0], ap, 2);
  t.all = read_average(all, 0, ap);
  Path cp = f.path("classes");
  const auto& classes = codec::read_array(f[1], cp);
  for (std::uint32_t i = 0; i < classes.size; ++i) {
    Path ip = cp.at(i);
    Fields c(classes.ptr[i], ip, 3);
    std::string name = c.string(0, "class");
    if (!t.by_class.empty() && name <= t.by_class.rbegin()->first)
      codec::fail(ip, "class '" + name + "' is out of order or repeated");
    ServiceAverage a = read_average(c, 1, ip);
    if (a.samples > t.all.samples) codec::fail(ip, "more samples than in all classes");
    t.by_class.emplace_hint(t.by_class.end(), std::move(name), a);
  }
  return t;
}

void pack_totals(msgpack::packer<msgpack::sbuffer>& pk, const Totals& t) {
  pk.pack_array(kTotalsFields);
  for (std::uint64_t v :
       {t.enqueued, t.succeeded, t.failed_attempts, t.dead, t.killed, t.duplicate_runs, t.purged}) {
    pk.pack(v);
  }
}

Totals read_totals(const msgpack::object& o, const Path& p) {
  Fields f(o, p, kTotalsFields);
  Totals t;
  t.enqueued = f.u64(0, "enqueued");
  t.succeeded = f.u64(1, "succeeded");
  t.failed_attempts = f.u64(2, "failed_attempts");
  t.dead = f.u64(3, "dead");
  t.killed = f.u64(4, "killed");
  t.duplicate_runs = f.u64(5, "duplicate_runs");
  t.purged = f.u64(6, "purged");
  return t;
}

void read_queues(const msgpack::object& o, const Path& p, std::uint32_t version, StateData& s,
                 PendingAccounting& accounting) {
  const auto& array = codec::read_array(o, p);
  const std::string* previous = nullptr;
  for (std::uint32_t i = 0; i < array.size; ++i) {
    Path qp = p.at(i);
    Fields f(array.ptr[i], qp, version >= 4 ? kQueueFields : kQueueFieldsV3);
    std::string name = f.string(0, "name");
    if (std::string error = check_queue_name(name); !error.empty()) codec::fail(qp, error);
    if (previous != nullptr && name <= *previous) {
      codec::fail(qp, "queue '" + name + "' is out of order or repeated");
    }
    auto it = s.queues.emplace_hint(s.queues.end(), name, QueueEntry{});
    QueueEntry& q = it->second;
    q.explicit_create = f.boolean(1, "explicit_create");
    q.last_leased = f.u64(2, "last_leased");
    q.config = codec::read_queue_config(f[3], f.path("config"));
    if (Status made = s.set_qdisc(name, q, q.config.qdisc); !made.ok()) {
      codec::fail(f.path("config"), made.message);
    }
    if (version >= 4) accounting.emplace_back(&q, f.string(4, "qdisc_accounting"));
    previous = &it->first;
  }
}

void check_job(const Job& job, std::uint64_t head_rank, const StateData& s, JobId previous,
               const Path& p) {
  if (job.id == 0) codec::fail(p, "job id 0 is not valid");
  if (job.id <= previous)
    codec::fail(p, "job " + format_job_id(job.id) + " is out of order or repeated");
  if (job.id > s.max_job_id) codec::fail(p, "job id is above the recorded maximum");
  if (s.find_queue(job.queue) == nullptr) codec::fail(p, "queue '" + job.queue + "' is not listed");
  if (head_rank != 0 && (job.state != JobState::queued || head_rank > s.head_counter)) {
    codec::fail(p, "head rank " + std::to_string(head_rank) + " is not valid for this job");
  }
  if (!is_final(job.state) && !job.unique_key.empty() && s.unique_holder(job.unique_key)) {
    codec::fail(p, "unique key '" + job.unique_key + "' is held twice");
  }
}

void read_jobs(const msgpack::object& o, const Path& p, StateData& s) {
  const auto& array = codec::read_array(o, p);
  JobId previous = 0;
  for (std::uint32_t i = 0; i < array.size; ++i) {
    Path jp = p.at(i);
    Fields f(array.ptr[i], jp, 2);
    std::uint64_t head_rank = f.u64(0, "head_rank");
    Job job;
    codec::read_job(f[1], f.path("job"), job);
    check_job(job, head_rank, s, previous, jp);
    previous = job.id;
    s.insert(std::move(job), head_rank);
  }
}

void read_pools(const msgpack::object& o, const Path& p, StateData& s) {
  const auto& array = codec::read_array(o, p);
  for (std::uint32_t i = 0; i < array.size; ++i) {
    Path pp = p.at(i);
    PoolSpec spec = codec::read_pool_spec(array.ptr[i], pp);
    if (std::string error = check_pool_spec(spec); !error.empty()) codec::fail(pp, error);
    if (spec.generation == 0) codec::fail(pp, "generation 0 is not valid");
    if (!s.pools.empty() && spec.name <= s.pools.rbegin()->first) {
      codec::fail(pp, "pool '" + spec.name + "' is out of order or repeated");
    }
    std::string name = spec.name;
    s.pools.emplace_hint(s.pools.end(), std::move(name), std::move(spec));
  }
}

void pack_assignments(msgpack::packer<msgpack::sbuffer>& pk, const Assignments& a) {
  pk.pack_array(3);
  pk.pack_array(static_cast<std::uint32_t>(a.attached.size()));
  for (const auto& [place, queues] : a.attached) {
    pk.pack_array(3);
    codec::pack_string(pk, place.first);
    codec::pack_string(pk, place.second);
    pk.pack_array(static_cast<std::uint32_t>(queues.size()));
    for (const auto& [queue, weight] : queues) {
      pk.pack_array(2);
      codec::pack_string(pk, queue);
      pk.pack(weight);
    }
  }
  pk.pack_array(static_cast<std::uint32_t>(a.paused.size()));
  for (const PoolPlace& place : a.paused) {
    pk.pack_array(2);
    codec::pack_string(pk, place.first);
    codec::pack_string(pk, place.second);
  }
  pk.pack_array(static_cast<std::uint32_t>(a.draining.size()));
  for (const std::string& node : a.draining) codec::pack_string(pk, node);
}

void check_pool_name(const StateData& s, const std::string& pool, const Path& p) {
  if (pool != kShellPool && s.pools.count(pool) == 0) {
    codec::fail(p, "pool '" + pool + "' is not declared");
  }
}

void read_assignments(const msgpack::object& o, const Path& p, StateData& s) {
  Fields f(o, p, 3);
  Assignments& a = s.assignments;
  Path attached_path = f.path("attached");
  const auto& attached = codec::read_array(f[0], attached_path);
  for (std::uint32_t i = 0; i < attached.size; ++i) {
    Path ap = attached_path.at(i);
    Fields entry(attached.ptr[i], ap, 3);
    PoolPlace place{entry.string(0, "pool"), entry.string(1, "node")};
    check_pool_name(s, place.first, ap);
    Path qp = entry.path("queues");
    const auto& queues = codec::read_array(entry[2], qp);
    if (queues.size == 0) codec::fail(qp, "holds no queue");
    auto& target = a.attached[place];
    if (!target.empty()) codec::fail(ap, "pool '" + place.first + "' is repeated");
    for (std::uint32_t k = 0; k < queues.size; ++k) {
      Fields q(queues.ptr[k], qp.at(k), 2);
      std::string queue = q.string(0, "queue");
      std::uint32_t weight = q.u32(1, "weight");
      if (std::string error = check_attachment(queue, weight); !error.empty())
        codec::fail(qp.at(k), error);
      if (!target.emplace(std::move(queue), weight).second) codec::fail(qp.at(k), "is repeated");
    }
  }
  Path paused_path = f.path("paused");
  const auto& paused = codec::read_array(f[1], paused_path);
  for (std::uint32_t i = 0; i < paused.size; ++i) {
    Fields entry(paused.ptr[i], paused_path.at(i), 2);
    PoolPlace place{entry.string(0, "pool"), entry.string(1, "node")};
    check_pool_name(s, place.first, paused_path.at(i));
    if (!a.paused.insert(std::move(place)).second) codec::fail(paused_path.at(i), "is repeated");
  }
  Path draining_path = f.path("draining");
  const auto& draining = codec::read_array(f[2], draining_path);
  for (std::uint32_t i = 0; i < draining.size; ++i) {
    std::string node = codec::read_string(draining.ptr[i], draining_path.at(i));
    if (node.empty()) codec::fail(draining_path.at(i), "is empty");
    if (!a.draining.insert(std::move(node)).second) codec::fail(draining_path.at(i), "is repeated");
  }
}

void pack_blacklists(msgpack::packer<msgpack::sbuffer>& pk, const Blacklists& blacklists) {
  std::vector<QueueBlacklist> queues = blacklists.dump();
  pk.pack_array(static_cast<std::uint32_t>(queues.size()));
  for (const QueueBlacklist& q : queues) {
    pk.pack_array(3);
    codec::pack_string(pk, q.queue);
    pk.pack(q.rejections);
    pk.pack_array(static_cast<std::uint32_t>(q.entries.size()));
    for (const BlacklistEntry& e : q.entries) {
      pk.pack_array(kBlacklistEntryFields);
      codec::pack_string(pk, e.identity);
      pk.pack(e.job);
      pk.pack(e.seen_at);
      pk.pack(e.expires_at);
      pk.pack(e.processed);
    }
  }
}

void read_blacklists(const msgpack::object& o, const Path& p, StateData& s) {
  const auto& array = codec::read_array(o, p);
  std::string previous;
  for (std::uint32_t i = 0; i < array.size; ++i) {
    Path qp = p.at(i);
    Fields f(array.ptr[i], qp, 3);
    QueueBlacklist q;
    q.queue = f.string(0, "queue");
    if (s.find_queue(q.queue) == nullptr) codec::fail(qp, "queue '" + q.queue + "' is not listed");
    if (i > 0 && q.queue <= previous) {
      codec::fail(qp, "queue '" + q.queue + "' is out of order or repeated");
    }
    q.rejections = f.u64(1, "rejections");
    Path ep = f.path("entries");
    const auto& entries = codec::read_array(f[2], ep);
    for (std::uint32_t k = 0; k < entries.size; ++k) {
      Fields e(entries.ptr[k], ep.at(k), kBlacklistEntryFields);
      BlacklistEntry entry;
      entry.identity = e.string(0, "identity");
      entry.job = e.u64(1, "job");
      entry.seen_at = e.i64(2, "seen_at");
      entry.expires_at = e.i64(3, "expires_at");
      entry.processed = e.boolean(4, "processed");
      if (entry.identity.empty()) codec::fail(ep.at(k), "identity is empty");
      if (!q.entries.empty() && entry.identity <= q.entries.back().identity) {
        codec::fail(ep.at(k), "identity '" + entry.identity + "' is out of order or repeated");
      }
      if (entry.expires_at < entry.seen_at) codec::fail(ep.at(k), "expires before it was seen");
      q.entries.push_back(std::move(entry));
    }
    previous = q.queue;
    s.blacklists.restore(q);
  }
}

// Entries in name order, each name once.
void read_cron(const msgpack::object& o, const Path& p, StateData& s) {
  const auto& array = codec::read_array(o, p);
  for (std::uint32_t i = 0; i < array.size; ++i) {
    CronEntry entry = codec::read_cron_entry(array.ptr[i], p.at(i));
    if (!s.cron.empty() && entry.name <= s.cron.rbegin()->first) {
      codec::fail(p.at(i), "cron entries out of order or repeated");
    }
    std::string name = entry.name;
    s.cron.emplace_hint(s.cron.end(), std::move(name), std::move(entry));
  }
}

void read_jobs_run(const msgpack::object& o, const Path& p, StateData& s) {
  const auto& array = codec::read_array(o, p);
  for (std::uint32_t i = 0; i < array.size; ++i) {
    Fields f(array.ptr[i], p.at(i), 2);
    std::string node = f.string(0, "node");
    if (!s.jobs_run_by_node.empty() && node <= s.jobs_run_by_node.rbegin()->first) {
      codec::fail(p.at(i), "node '" + node + "' is out of order or repeated");
    }
    s.jobs_run_by_node.emplace_hint(s.jobs_run_by_node.end(), std::move(node), f.u64(1, "count"));
  }
}

}  // namespace

std::string State::encode_snapshot() const {
  const Impl& s = *impl_;
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(kSnapshotFields);
  codec::pack_string(pk, kSnapshotMagic);
  pk.pack(kSnapshotVersion);
  pk.pack(s.applied_index);
  pk.pack(s.applied_term);
  pk.pack(s.max_job_id);
  pk.pack(s.head_counter);
  pack_totals(pk, s.totals);
  pk.pack_array(static_cast<std::uint32_t>(s.queues.size()));
  for (const auto& [name, q] : s.queues) {
    pk.pack_array(kQueueFields);
    codec::pack_string(pk, name);
    pk.pack(q.explicit_create);
    pk.pack(q.last_leased);
    codec::pack_queue_config(pk, q.config);
    codec::pack_bytes(pk, q.qdisc->encode_accounting());
  }
  pk.pack_array(static_cast<std::uint32_t>(s.jobs.size()));
  for (const auto& [id, slot] : s.jobs) {
    pk.pack_array(2);
    pk.pack(slot.head_rank);
    pack_job(pk, slot.job);
  }
  pk.pack_array(static_cast<std::uint32_t>(s.pools.size()));
  for (const auto& [name, spec] : s.pools) codec::pack_pool_spec(pk, spec);
  pack_assignments(pk, s.assignments);
  pack_blacklists(pk, s.blacklists);
  pk.pack_array(static_cast<std::uint32_t>(s.jobs_run_by_node.size()));
  for (const auto& [node, count] : s.jobs_run_by_node) {
    pk.pack_array(2);
    codec::pack_string(pk, node);
    pk.pack(count);
  }
  pack_service_times(pk, s.service_times);
  pk.pack_array(static_cast<std::uint32_t>(s.cron.size()));
  for (const auto& [name, entry] : s.cron) codec::pack_cron_entry(pk, entry);
  return std::string(buffer.data(), buffer.size());
}

Result<State> State::decode_snapshot(std::string_view bytes) {
  auto handle = codec::unpack_bounded(bytes, "snapshot", ErrorCode::corrupt);
  if (!handle.ok()) return handle.status();
  try {
    const msgpack::object& root = handle->get();
    Path path{nullptr, "snapshot"};
    const auto& array = codec::read_array(root, path);
    auto is_magic = [](const msgpack::object& o) {
      return o.type == msgpack::type::STR &&
             std::string_view(o.via.str.ptr, o.via.str.size) == kSnapshotMagic;
    };
    if (array.size < 2 || !is_magic(array.ptr[0])) {
      codec::fail(path, "not a desaster state snapshot");
    }
    std::uint32_t version = codec::read_u32(array.ptr[1], path.field("version"));
    if (version < 1 || version > kSnapshotVersion) {
      codec::fail(path, "version " + std::to_string(version) + " is not supported (expected " +
                            std::to_string(kSnapshotVersion) + ")");
    }
    const std::size_t fields = version == 1   ? kSnapshotFieldsV1
                               : version == 2 ? kSnapshotFieldsV2
                               : version == 3 ? kSnapshotFieldsV3
                               : version == 4 ? kSnapshotFieldsV4
                                              : kSnapshotFields;
    Fields f(root, path, fields);
    State state;
    Impl& s = *state.impl_;
    s.applied_index = f.u64(2, "applied_index");
    s.applied_term = f.u64(3, "applied_term");
    s.max_job_id = f.u64(4, "max_job_id");
    s.head_counter = f.u64(5, "head_counter");
    s.totals = read_totals(f[6], f.path("totals"));
    PendingAccounting accounting;
    read_queues(f[7], f.path("queues"), version, s, accounting);
    read_jobs(f[8], f.path("jobs"), s);
    if (version >= 2) read_pools(f[9], f.path("pools"), s);
    if (version >= 3) {
      read_assignments(f[10], f.path("assignments"), s);
      read_blacklists(f[11], f.path("blacklists"), s);
      read_jobs_run(f[12], f.path("jobs_run_by_node"), s);
    }
    if (version >= 4) {
      s.service_times = read_service_times(f[13], f.path("service_times"));
    }
    if (version >= 5) read_cron(f[14], f.path("cron"), s);
    for (auto& [queue, bytes] : accounting) {
      if (Status st = queue->qdisc->decode_accounting(bytes); !st.ok()) {
        return Status::error(ErrorCode::corrupt, "snapshot: " + st.message);
      }
    }
    return Result<State>(std::move(state));
  } catch (const codec::DecodeError& e) {
    return Status::error(ErrorCode::corrupt, e.message);
  } catch (const std::exception& e) {
    return Status::error(ErrorCode::corrupt, std::string("snapshot: ") + e.what());
  }
}

}  // namespace desaster
