// The journal and snapshot form of ops and jobs: positional msgpack arrays.
// An op is [kOpFormatVersion, type, fields...]; the type codes below are
// part of the disk format and never reused. A job is a fixed array of all
// its fields in declaration order (kJobFields), history included; records
// written before flow and pins existed have kJobFieldsBeforeFlow and load
// with those fields empty, and records written before ready_since have
// kJobFieldsBeforeReadySince and load with it 0. A queue config is
// [paused, retry, retention_ms, dedup_window_ms, qdisc]; one written before
// the window has 3 fields, one written before disciplines 4, and they load
// with the window off and the default discipline.
#include "core/state/op_codec.hpp"

#include <array>
#include <optional>
#include <type_traits>

#include "core/qdisc/qdisc_config_codec.hpp"
#include "core/state/codec_detail.hpp"

namespace desaster {

using codec::Fields;
using codec::Path;
using Packer = msgpack::packer<msgpack::sbuffer>;

namespace {

// Type code = position in the Op variant + 1; checked by the static_asserts.
constexpr std::array<std::string_view, 30> kOpNames{
    "enqueue",         "lease",        "complete",     "release",      "promote",
    "retry",           "delete",       "purge",        "queue_create", "queue_configure",
    "queue_clear",     "queue_delete", "leader_start", "pool_declare", "pool_remove",
    "pool_reload",     "kill",         "relocate",     "rerole",       "reschedule",
    "pool_attach",     "pool_detach",  "pool_pause",   "node_drain",   "pin",
    "blacklist_clear", "cron_add",     "cron_remove",  "cron_pause",   "cron_fire"};
static_assert(std::variant_size_v<Op> == kOpNames.size());
static_assert(std::is_same_v<std::variant_alternative_t<0, Op>, EnqueueOp>);
static_assert(std::is_same_v<std::variant_alternative_t<12, Op>, LeaderStartOp>);
static_assert(std::is_same_v<std::variant_alternative_t<15, Op>, PoolReloadOp>);
static_assert(std::is_same_v<std::variant_alternative_t<16, Op>, KillOp>);
static_assert(std::is_same_v<std::variant_alternative_t<19, Op>, RescheduleOp>);
static_assert(std::is_same_v<std::variant_alternative_t<20, Op>, PoolAttachOp>);
static_assert(std::is_same_v<std::variant_alternative_t<24, Op>, PinOp>);
static_assert(std::is_same_v<std::variant_alternative_t<25, Op>, BlacklistClearOp>);
static_assert(std::is_same_v<std::variant_alternative_t<29, Op>, CronFireOp>);

constexpr std::size_t kJobFieldsBeforeFlow = 24;
constexpr std::size_t kJobFieldsBeforeReadySince = 27;
constexpr std::size_t kJobFields = 28;
constexpr std::size_t kQueueConfigFieldsBeforeDedup = 3;
constexpr std::size_t kQueueConfigFields = 5;
constexpr std::size_t kAttemptFields = 9;
constexpr std::size_t kGrantFields = 5;
constexpr std::size_t kCompletionFields = 9;
constexpr std::size_t kPoolSpecFieldsBeforeCpu = 12;
constexpr std::size_t kPoolSpecFields = 14;
constexpr std::size_t kRelocateFields = 2 + 4;
constexpr std::size_t kReroleFields = 2 + 9;

// Job actions' variant positions, from the static_asserts above.
constexpr std::size_t kKillType = 16;
constexpr std::size_t kRelocateType = 17;
constexpr std::size_t kReroleType = 18;
constexpr std::size_t kRescheduleType = 19;

// An optional value as two fields: [present, value] (value at its default when absent).
template <typename T>
void pack_optional(Packer& pk, const std::optional<T>& value) {
  pk.pack(value.has_value());
  if constexpr (std::is_same_v<T, std::string>) {
    codec::pack_string(pk, value.value_or(std::string()));
  } else {
    pk.pack(value.value_or(T{}));
  }
}

void pack_retry(Packer& pk, const RetryOverrides& r) {
  pk.pack_array(3);
  pk.pack(r.max_attempts);
  pk.pack(r.backoff_base_ms);
  pk.pack(r.backoff_max_ms);
}

RetryOverrides read_retry(const msgpack::object& o, const Path& p) {
  Fields f(o, p, 3);
  RetryOverrides r;
  r.max_attempts = f.u32(0, "max_attempts");
  r.backoff_base_ms = f.u32(1, "backoff_base_ms");
  r.backoff_max_ms = f.u32(2, "backoff_max_ms");
  return r;
}

void pack_attempt(Packer& pk, const Attempt& a) {
  pk.pack_array(kAttemptFields);
  pk.pack(a.number);
  pk.pack(a.started_at);
  pk.pack(a.finished_at);
  codec::pack_string(pk, a.node);
  codec::pack_string(pk, a.worker);
  pk.pack(a.exit_status);
  codec::pack_string(pk, a.error);
  pk.pack(a.cpu_ms);
  pk.pack(a.max_rss_kb);
}

Attempt read_attempt(const msgpack::object& o, const Path& p) {
  Fields f(o, p, kAttemptFields);
  Attempt a;
  a.number = f.u32(0, "number");
  a.started_at = f.i64(1, "started_at");
  a.finished_at = f.i64(2, "finished_at");
  a.node = f.string(3, "node");
  a.worker = f.string(4, "worker");
  a.exit_status = f.i32(5, "exit_status");
  a.error = f.string(6, "error");
  a.cpu_ms = f.u64(7, "cpu_ms");
  a.max_rss_kb = f.u64(8, "max_rss_kb");
  return a;
}

void pack_ids(Packer& pk, const std::vector<JobId>& ids) {
  pk.pack_array(static_cast<std::uint32_t>(ids.size()));
  for (JobId id : ids) pk.pack(id);
}

std::vector<JobId> read_ids(const msgpack::object& o, const Path& p) {
  const auto& array = codec::read_array(o, p);
  std::vector<JobId> ids;
  ids.reserve(array.size);
  for (std::uint32_t i = 0; i < array.size; ++i)
    ids.push_back(codec::read_u64(array.ptr[i], p.at(i)));
  return ids;
}

// The position of T in the Op variant.
template <typename T, std::size_t I = 0>
constexpr std::size_t type_of() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, Op>, T>) {
    return I;
  } else {
    return type_of<T, I + 1>();
  }
}

// Decodes the worker assignment ops (types past the pool ops).
std::optional<Op> read_assign_op(std::uint32_t type, const msgpack::object& root, const Path& p) {
  const std::size_t index = type - 1;
  if (index == type_of<PoolAttachOp>()) {
    Fields f(root, p, 6);
    return PoolAttachOp{f.string(2, "pool"), f.string(3, "queue"), f.u32(4, "weight"),
                        f.string(5, "node")};
  }
  if (index == type_of<PoolDetachOp>()) {
    Fields f(root, p, 5);
    return PoolDetachOp{f.string(2, "pool"), f.string(3, "queue"), f.string(4, "node")};
  }
  if (index == type_of<PoolPauseOp>()) {
    Fields f(root, p, 5);
    return PoolPauseOp{f.string(2, "pool"), f.string(3, "node"), f.boolean(4, "paused")};
  }
  if (index == type_of<NodeDrainOp>()) {
    Fields f(root, p, 4);
    return NodeDrainOp{f.string(2, "node"), f.boolean(3, "draining")};
  }
  if (index == type_of<PinOp>()) {
    Fields f(root, p, 5);
    return PinOp{read_ids(f[2], f.path("ids")), f.string(3, "node"), f.string(4, "pool")};
  }
  return std::nullopt;
}

// One overload per op: the fields after [version, type].
struct Encoder {
  Packer& pk;

  void header(std::size_t type, std::uint32_t fields) {
    pk.pack_array(2 + fields);
    pk.pack(kOpFormatVersion);
    pk.pack(static_cast<std::uint32_t>(type + 1));
  }

  void operator()(const EnqueueOp& op) {
    header(0, 1);
    pk.pack_array(static_cast<std::uint32_t>(op.jobs.size()));
    for (const Job& job : op.jobs) pack_job(pk, job);
  }
  void operator()(const LeaseOp& op) {
    header(1, 1);
    pk.pack_array(static_cast<std::uint32_t>(op.grants.size()));
    for (const LeaseGrant& g : op.grants) {
      pk.pack_array(kGrantFields);
      pk.pack(g.id);
      pk.pack(g.attempt);
      codec::pack_string(pk, g.node);
      codec::pack_string(pk, g.worker);
      pk.pack(g.expires_at);
    }
  }
  void operator()(const CompleteOp& op) {
    header(2, 1);
    pk.pack_array(static_cast<std::uint32_t>(op.completions.size()));
    for (const Completion& c : op.completions) {
      pk.pack_array(kCompletionFields);
      pk.pack(c.id);
      pk.pack(c.term);
      pk.pack(c.attempt);
      pk.pack(static_cast<std::uint32_t>(c.outcome));
      pk.pack(c.exit_status);
      codec::pack_bytes(pk, c.output_tail);
      codec::pack_string(pk, c.error);
      pk.pack(c.cpu_ms);
      pk.pack(c.max_rss_kb);
    }
  }
  void operator()(const ReleaseOp& op) {
    header(3, 3);
    pack_ids(pk, op.ids);
    pk.pack(op.charge);
    codec::pack_string(pk, op.reason);
  }
  void operator()(const PromoteOp& op) {
    header(4, 1);
    pack_ids(pk, op.ids);
  }
  void operator()(const RetryOp& op) {
    header(5, 1);
    pack_ids(pk, op.ids);
  }
  void operator()(const DeleteOp& op) {
    header(6, 1);
    pack_ids(pk, op.ids);
  }
  void operator()(const PurgeOp&) { header(7, 0); }
  void operator()(const QueueCreateOp& op) {
    header(8, 2);
    codec::pack_string(pk, op.name);
    codec::pack_queue_config(pk, op.config);
  }
  void operator()(const QueueConfigureOp& op) {
    header(9, 2);
    codec::pack_string(pk, op.name);
    codec::pack_queue_config(pk, op.config);
  }
  void operator()(const QueueClearOp& op) {
    header(10, 1);
    codec::pack_string(pk, op.name);
  }
  void operator()(const QueueDeleteOp& op) {
    header(11, 1);
    codec::pack_string(pk, op.name);
  }
  void operator()(const LeaderStartOp& op) {
    header(12, 1);
    codec::pack_string(pk, op.node);
  }
  void operator()(const PoolDeclareOp& op) {
    header(13, 1);
    codec::pack_pool_spec(pk, op.spec);
  }
  void operator()(const PoolRemoveOp& op) {
    header(14, 1);
    codec::pack_string(pk, op.name);
  }
  void operator()(const PoolReloadOp& op) {
    header(15, 1);
    codec::pack_string(pk, op.name);
  }
  void operator()(const KillOp& op) {
    header(kKillType, 1);
    pack_ids(pk, op.ids);
  }
  void operator()(const RelocateOp& op) {
    header(kRelocateType, kRelocateFields - 2);
    pack_ids(pk, op.ids);
    codec::pack_string(pk, op.queue);
    pk.pack(op.set_pin);
    codec::pack_string(pk, op.pin_node);
  }
  void operator()(const ReroleOp& op) {
    header(kReroleType, kReroleFields - 2);
    pack_ids(pk, op.ids);
    pack_optional(pk, op.job_class);
    pack_optional(pk, op.priority);
    pack_optional(pk, op.flow);
    pack_optional(pk, op.queue);
  }
  void operator()(const RescheduleOp& op) {
    header(kRescheduleType, 2);
    pack_ids(pk, op.ids);
    pk.pack(op.run_at);
  }
  // Worker assignment: the type comes from the variant, so these need no
  // renumbering when ops are added before them.
  void operator()(const PoolAttachOp& op) {
    header(type_of<PoolAttachOp>(), 4);
    codec::pack_string(pk, op.pool);
    codec::pack_string(pk, op.queue);
    pk.pack(op.weight);
    codec::pack_string(pk, op.node);
  }
  void operator()(const PoolDetachOp& op) {
    header(type_of<PoolDetachOp>(), 3);
    codec::pack_string(pk, op.pool);
    codec::pack_string(pk, op.queue);
    codec::pack_string(pk, op.node);
  }
  void operator()(const PoolPauseOp& op) {
    header(type_of<PoolPauseOp>(), 3);
    codec::pack_string(pk, op.pool);
    codec::pack_string(pk, op.node);
    pk.pack(op.paused);
  }
  void operator()(const NodeDrainOp& op) {
    header(type_of<NodeDrainOp>(), 2);
    codec::pack_string(pk, op.node);
    pk.pack(op.draining);
  }
  void operator()(const PinOp& op) {
    header(type_of<PinOp>(), 3);
    pack_ids(pk, op.ids);
    codec::pack_string(pk, op.node);
    codec::pack_string(pk, op.pool);
  }
  void operator()(const BlacklistClearOp& op) {
    header(type_of<BlacklistClearOp>(), 2);
    codec::pack_string(pk, op.queue);
    codec::pack_string(pk, op.identity);
  }
  void operator()(const CronAddOp& op) {
    header(type_of<CronAddOp>(), 1);
    codec::pack_cron_entry(pk, op.entry);
  }
  void operator()(const CronRemoveOp& op) {
    header(type_of<CronRemoveOp>(), 1);
    codec::pack_string(pk, op.name);
  }
  void operator()(const CronPauseOp& op) {
    header(type_of<CronPauseOp>(), 2);
    codec::pack_string(pk, op.name);
    pk.pack(op.paused);
  }
  void operator()(const CronFireOp& op) {
    header(type_of<CronFireOp>(), 4);
    codec::pack_string(pk, op.name);
    pk.pack(op.instant);
    pk.pack(static_cast<std::uint32_t>(op.kind));
    pk.pack(op.job_id);
  }
};

LeaseGrant read_grant(const msgpack::object& o, const Path& p) {
  Fields f(o, p, kGrantFields);
  LeaseGrant g;
  g.id = f.u64(0, "id");
  g.attempt = f.u32(1, "attempt");
  g.node = f.string(2, "node");
  g.worker = f.string(3, "worker");
  g.expires_at = f.i64(4, "expires_at");
  return g;
}

Completion read_completion(const msgpack::object& o, const Path& p) {
  Fields f(o, p, kCompletionFields);
  Completion c;
  c.id = f.u64(0, "id");
  c.term = f.u64(1, "term");
  c.attempt = f.u32(2, "attempt");
  c.outcome = f.enumeration<Outcome>(3, "outcome", 4);
  c.exit_status = f.i32(4, "exit_status");
  c.output_tail = f.string(5, "output_tail");
  c.error = f.string(6, "error");
  c.cpu_ms = f.u64(7, "cpu_ms");
  c.max_rss_kb = f.u64(8, "max_rss_kb");
  return c;
}

template <typename T, typename Read>
std::vector<T> read_list(const msgpack::object& o, const Path& p, Read read) {
  const auto& array = codec::read_array(o, p);
  std::vector<T> out;
  out.reserve(array.size);
  for (std::uint32_t i = 0; i < array.size; ++i) out.push_back(read(array.ptr[i], p.at(i)));
  return out;
}

Op read_op_body(std::uint32_t type, const msgpack::object& root, const Path& p) {
  // Field counts include version and type.
  switch (type) {
    case 1: {
      Fields f(root, p, 3);
      EnqueueOp op;
      op.jobs = read_list<Job>(f[2], f.path("jobs"), [](const msgpack::object& o, const Path& jp) {
        Job job;
        codec::read_job(o, jp, job);
        return job;
      });
      return op;
    }
    case 2: {
      Fields f(root, p, 3);
      return LeaseOp{read_list<LeaseGrant>(f[2], f.path("grants"), read_grant)};
    }
    case 3: {
      Fields f(root, p, 3);
      return CompleteOp{read_list<Completion>(f[2], f.path("completions"), read_completion)};
    }
    case 4: {
      Fields f(root, p, 5);
      ReleaseOp op;
      op.ids = read_ids(f[2], f.path("ids"));
      op.charge = f.boolean(3, "charge");
      op.reason = f.string(4, "reason");
      return op;
    }
    case 5: {
      Fields f(root, p, 3);
      return PromoteOp{read_ids(f[2], f.path("ids"))};
    }
    case 6: {
      Fields f(root, p, 3);
      return RetryOp{read_ids(f[2], f.path("ids"))};
    }
    case 7: {
      Fields f(root, p, 3);
      return DeleteOp{read_ids(f[2], f.path("ids"))};
    }
    case 8: {
      Fields f(root, p, 2);
      return PurgeOp{};
    }
    case 9: {
      Fields f(root, p, 4);
      return QueueCreateOp{f.string(2, "name"), codec::read_queue_config(f[3], f.path("config"))};
    }
    case 10: {
      Fields f(root, p, 4);
      return QueueConfigureOp{f.string(2, "name"),
                              codec::read_queue_config(f[3], f.path("config"))};
    }
    case 11: {
      Fields f(root, p, 3);
      return QueueClearOp{f.string(2, "name")};
    }
    case 12: {
      Fields f(root, p, 3);
      return QueueDeleteOp{f.string(2, "name")};
    }
    case 13: {
      Fields f(root, p, 3);
      return LeaderStartOp{f.string(2, "node")};
    }
    case 14: {
      Fields f(root, p, 3);
      return PoolDeclareOp{codec::read_pool_spec(f[2], f.path("spec"))};
    }
    case 15: {
      Fields f(root, p, 3);
      return PoolRemoveOp{f.string(2, "name")};
    }
    case 16: {
      Fields f(root, p, 3);
      return PoolReloadOp{f.string(2, "name")};
    }
    case kKillType + 1: {
      Fields f(root, p, 3);
      return KillOp{read_ids(f[2], f.path("ids"))};
    }
    case kRelocateType + 1: {
      Fields f(root, p, kRelocateFields);
      RelocateOp op;
      op.ids = read_ids(f[2], f.path("ids"));
      op.queue = f.string(3, "queue");
      op.set_pin = f.boolean(4, "set_pin");
      op.pin_node = f.string(5, "pin_node");
      return op;
    }
    case kReroleType + 1: {
      Fields f(root, p, kReroleFields);
      ReroleOp op;
      op.ids = read_ids(f[2], f.path("ids"));
      // Values are checked whether present or not: a record is sound or refused.
      std::string job_class = f.string(4, "class");
      std::int32_t priority = f.i32(6, "priority");
      std::string flow = f.string(8, "flow");
      std::string queue = f.string(10, "queue");
      if (f.boolean(3, "has_class")) op.job_class = std::move(job_class);
      if (f.boolean(5, "has_priority")) op.priority = priority;
      if (f.boolean(7, "has_flow")) op.flow = std::move(flow);
      if (f.boolean(9, "has_queue")) op.queue = std::move(queue);
      return op;
    }
    case kRescheduleType + 1: {
      Fields f(root, p, 4);
      return RescheduleOp{read_ids(f[2], f.path("ids")), f.i64(3, "run_at")};
    }
    case type_of<BlacklistClearOp>() + 1: {
      Fields f(root, p, 4);
      return BlacklistClearOp{f.string(2, "queue"), f.string(3, "identity")};
    }
    case type_of<CronAddOp>() + 1: {
      Fields f(root, p, 3);
      return CronAddOp{codec::read_cron_entry(f[2], f.path("entry"))};
    }
    case type_of<CronRemoveOp>() + 1: {
      Fields f(root, p, 3);
      return CronRemoveOp{f.string(2, "name")};
    }
    case type_of<CronPauseOp>() + 1: {
      Fields f(root, p, 4);
      return CronPauseOp{f.string(2, "name"), f.boolean(3, "paused")};
    }
    case type_of<CronFireOp>() + 1: {
      Fields f(root, p, 6);
      return CronFireOp{f.string(2, "name"), f.i64(3, "instant"),
                        f.enumeration<CronRunKind>(4, "kind", 4), f.u64(5, "job_id")};
    }
    default:
      if (std::optional<Op> op = read_assign_op(type, root, p)) return std::move(*op);
      codec::fail(p.field("type"), "unknown op type " + std::to_string(type));
  }
}

}  // namespace

std::string encode_op(const Op& op) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  std::visit(Encoder{pk}, op);
  return std::string(buffer.data(), buffer.size());
}

std::string_view op_name(const Op& op) {
  return kOpNames.at(op.index());
}

Result<Op> decode_op(std::string_view bytes) {
  auto handle = codec::unpack_bounded(bytes, "op", ErrorCode::corrupt);
  if (!handle.ok()) return handle.status();
  try {
    const msgpack::object& root = handle->get();
    Path op_path{nullptr, "op"};
    const auto& array = codec::read_array(root, op_path);
    if (array.size < 2) codec::fail(op_path, "expected [version, type, fields...]");
    std::uint32_t version = codec::read_u32(array.ptr[0], op_path.field("version"));
    if (version != kOpFormatVersion) {
      codec::fail(op_path, "format version " + std::to_string(version) +
                               " is not supported (expected " + std::to_string(kOpFormatVersion) +
                               ")");
    }
    std::uint32_t type = codec::read_u32(array.ptr[1], op_path.field("type"));
    if (type == 0 || type > kOpNames.size()) {
      codec::fail(op_path.field("type"), "unknown op type " + std::to_string(type));
    }
    return read_op_body(type, root, op_path.field(kOpNames[type - 1]));
  } catch (const codec::DecodeError& e) {
    return Status::error(ErrorCode::corrupt, e.message);
  } catch (const std::exception& e) {
    return Status::error(ErrorCode::corrupt, std::string("op: ") + e.what());
  }
}

void pack_job(Packer& pk, const Job& job) {
  pk.pack_array(kJobFields);
  pk.pack(job.id);
  codec::pack_string(pk, job.queue);
  pk.pack(static_cast<std::uint32_t>(job.kind));
  codec::pack_string(pk, job.job_class);
  codec::pack_bytes(pk, job.payload);
  codec::pack_string(pk, job.unique_key);
  pk.pack(job.priority);
  pk.pack(job.run_at);
  pk.pack(job.timeout_ms);
  pack_retry(pk, job.retry);
  pk.pack(static_cast<std::uint32_t>(job.state));
  pk.pack(job.attempts);
  pk.pack(job.duplicate_runs);
  pk.pack(job.created_at);
  pk.pack(job.started_at);
  pk.pack(job.finished_at);
  pk.pack(job.lease_term);
  codec::pack_string(pk, job.node);
  codec::pack_string(pk, job.worker);
  pk.pack(job.lease_expires_at);
  pk.pack(job.exit_status);
  codec::pack_bytes(pk, job.output_tail);
  codec::pack_string(pk, job.last_error);
  pk.pack_array(static_cast<std::uint32_t>(job.history.size()));
  for (const Attempt& a : job.history) pack_attempt(pk, a);
  codec::pack_string(pk, job.flow);
  codec::pack_string(pk, job.pin_node);
  codec::pack_string(pk, job.pin_pool);
  pk.pack(job.ready_since);
}

Status unpack_job(const msgpack::object& obj, Job& out) {
  try {
    codec::read_job(obj, Path{nullptr, "job"}, out);
    return Status::success();
  } catch (const codec::DecodeError& e) {
    return Status::error(ErrorCode::corrupt, e.message);
  } catch (const std::exception& e) {
    return Status::error(ErrorCode::corrupt, std::string("job: ") + e.what());
  }
}

namespace codec {

void read_job(const msgpack::object& o, const Path& p, Job& out) {
  Fields f(o, p, kJobFieldsBeforeFlow, kJobFields);
  if (f.size() != kJobFieldsBeforeFlow && f.size() != kJobFieldsBeforeReadySince &&
      f.size() != kJobFields) {
    fail(p, "expected " + std::to_string(kJobFieldsBeforeFlow) + ", " +
                std::to_string(kJobFieldsBeforeReadySince) + " or " + std::to_string(kJobFields) +
                " fields, got " + std::to_string(f.size()));
  }
  Job job;
  job.id = f.u64(0, "id");
  job.queue = f.string(1, "queue");
  job.kind = f.enumeration<JobKind>(2, "kind", 4);
  job.job_class = f.string(3, "job_class");
  job.payload = f.string(4, "payload");
  job.unique_key = f.string(5, "unique_key");
  job.priority = f.i32(6, "priority");
  job.run_at = f.i64(7, "run_at");
  job.timeout_ms = f.u32(8, "timeout_ms");
  job.retry = read_retry(f[9], f.path("retry"));
  job.state = f.enumeration<JobState>(10, "state", 7);
  job.attempts = f.u32(11, "attempts");
  job.duplicate_runs = f.u32(12, "duplicate_runs");
  job.created_at = f.i64(13, "created_at");
  job.started_at = f.i64(14, "started_at");
  job.finished_at = f.i64(15, "finished_at");
  job.lease_term = f.u64(16, "lease_term");
  job.node = f.string(17, "node");
  job.worker = f.string(18, "worker");
  job.lease_expires_at = f.i64(19, "lease_expires_at");
  job.exit_status = f.i32(20, "exit_status");
  job.output_tail = f.string(21, "output_tail");
  job.last_error = f.string(22, "last_error");
  job.history = read_list<Attempt>(f[23], f.path("history"), read_attempt);
  if (f.size() >= kJobFieldsBeforeReadySince) {
    job.flow = f.string(24, "flow");
    job.pin_node = f.string(25, "pin_node");
    job.pin_pool = f.string(26, "pin_pool");
  }
  if (f.size() >= kJobFields) job.ready_since = f.i64(27, "ready_since");
  out = std::move(job);
}

// [paused, retry, retention_ms, dedup_window_ms, qdisc]; records written
// before the de-duplication window have three fields and load with the window
// off, records written before the discipline have four and load with the
// default discipline.
void pack_queue_config(Packer& pk, const QueueConfig& config) {
  pk.pack_array(kQueueConfigFields);
  pk.pack(config.paused);
  pack_retry(pk, config.retry);
  pk.pack(config.retention_ms);
  pk.pack(config.dedup_window_ms);
  pack_qdisc_config(pk, config.qdisc);
}

void pack_pool_spec(Packer& pk, const PoolSpec& spec) {
  pk.pack_array(kPoolSpecFields);
  codec::pack_string(pk, spec.name);
  codec::pack_string(pk, spec.node);
  codec::pack_string(pk, spec.dir);
  pk.pack_array(static_cast<std::uint32_t>(spec.require_files.size()));
  for (const std::string& file : spec.require_files) codec::pack_string(pk, file);
  codec::pack_string(pk, spec.rackup);
  pk.pack(spec.min_workers);
  pk.pack(spec.max_workers);
  pk.pack_array(static_cast<std::uint32_t>(spec.queues.size()));
  for (const PoolQueue& q : spec.queues) {
    pk.pack_array(2);
    codec::pack_string(pk, q.name);
    pk.pack(q.weight);
  }
  pk.pack_array(static_cast<std::uint32_t>(spec.kinds.size()));
  for (JobKind kind : spec.kinds) pk.pack(static_cast<std::uint32_t>(kind));
  pk.pack(spec.memory_limit_mb);
  pk.pack(spec.timeout_ms);
  pk.pack(spec.generation);
  pk.pack(spec.cpu_limit_percent);
  pk.pack(spec.limit_grace_ms);
}

PoolSpec read_pool_spec(const msgpack::object& o, const Path& p) {
  // Declarations from before CPU limits have 12 fields and load without one.
  Fields f(o, p, kPoolSpecFieldsBeforeCpu, kPoolSpecFields);
  if (f.size() != kPoolSpecFieldsBeforeCpu && f.size() != kPoolSpecFields) {
    fail(p, "expected " + std::to_string(kPoolSpecFieldsBeforeCpu) + " or " +
                std::to_string(kPoolSpecFields) + " fields, got " + std::to_string(f.size()));
  }
  PoolSpec spec;
  spec.name = f.string(0, "name");
  spec.node = f.string(1, "node");
  spec.dir = f.string(2, "dir");
  spec.require_files = read_list<std::string>(
      f[3], f.path("require"),
      [](const msgpack::object& item, const Path& ip) { return read_string(item, ip); });
  spec.rackup = f.string(4, "rackup");
  spec.min_workers = f.u32(5, "min_workers");
  spec.max_workers = f.u32(6, "max_workers");
  spec.queues =
      read_list<PoolQueue>(f[7], f.path("queues"), [](const msgpack::object& item, const Path& ip) {
        Fields q(item, ip, 2);
        return PoolQueue{q.string(0, "name"), q.u32(1, "weight")};
      });
  spec.kinds =
      read_list<JobKind>(f[8], f.path("kinds"), [](const msgpack::object& item, const Path& ip) {
        return static_cast<JobKind>(read_enum(item, ip, 4));
      });
  spec.memory_limit_mb = f.u32(9, "memory_limit_mb");
  spec.timeout_ms = f.u32(10, "timeout_ms");
  spec.generation = f.u64(11, "generation");
  if (f.size() == kPoolSpecFields) {
    spec.cpu_limit_percent = f.u32(12, "cpu_limit_percent");
    spec.limit_grace_ms = f.u32(13, "limit_grace_ms");
  }
  return spec;
}

QueueConfig read_queue_config(const msgpack::object& o, const Path& p) {
  Fields f(o, p, kQueueConfigFieldsBeforeDedup, kQueueConfigFields);
  QueueConfig config;
  config.paused = f.boolean(0, "paused");
  config.retry = read_retry(f[1], f.path("retry"));
  config.retention_ms = f.u64(2, "retention_ms");
  if (f.size() > 3) config.dedup_window_ms = f.u64(3, "dedup_window_ms");
  if (f.size() > 4) config.qdisc = read_qdisc_config(f[4], f.path("qdisc"));
  return config;
}

}  // namespace codec

}  // namespace desaster
