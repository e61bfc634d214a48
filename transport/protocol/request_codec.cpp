// Requests: encode_request and decode_request of messages.hpp. Each body has
// one writer and one reader here, side by side, so the field names cannot
// drift apart. Readers are strict: an unknown or mistyped field is refused
// with its name, a missing one keeps the struct's default unless the body
// cannot mean anything without it.
#include <array>
#include <utility>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/cron_wire.hpp"
#include "transport/protocol/envelope.hpp"
#include "transport/protocol/limits.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/pool_wire.hpp"
#include "transport/protocol/qdisc_wire.hpp"
#include "transport/protocol/recovery_wire.hpp"
#include "transport/protocol/spec_wire.hpp"
#include "transport/protocol/transfer_wire.hpp"
#include "transport/protocol/upgrade_wire.hpp"

namespace desaster::protocol {

namespace {

// Indexed like RequestBody's alternatives.
constexpr std::array<const char*, std::variant_size_v<RequestBody>> kTypeNames{
    "hello", "enqueue", "wait", "get", "list", "retry", "delete", "queues", "queue", "stats",
    "worker", "credit", "report", "heartbeat", "pool", "nodes", "action",
    // query
    "groups",
    // worker assignment
    "assign",
    // resource monitoring and the blacklist
    "resources", "blacklist",
    // queueing disciplines
    "qdisc",
    // force-recovery
    "force_recovery",
    // cron entries
    "cron",
    // the state feed's catch-up
    "feed_snapshot", "feed_ops",
    // hot upgrade
    "upgrade",
    // leadership transfer
    "transfer_leadership",
    // batched worker reports
    "reports"};

constexpr std::array<const char*, 4> kPoolActionNames{"add", "remove", "reload", "list"};

bool pool_action_from_string(std::string_view name, PoolAction& out) {
  for (std::size_t i = 0; i < kPoolActionNames.size(); ++i) {
    if (name == kPoolActionNames[i]) {
      out = static_cast<PoolAction>(i);
      return true;
    }
  }
  return false;
}

constexpr std::array<const char*, 5> kQueueActionNames{"create", "pause", "resume", "clear",
                                                       "delete"};

const char* to_string(QueueAction action) {
  return kQueueActionNames.at(static_cast<std::size_t>(action));
}

bool queue_action_from_string(std::string_view name, QueueAction& out) {
  for (std::size_t i = 0; i < kQueueActionNames.size(); ++i) {
    if (name == kQueueActionNames[i]) {
      out = static_cast<QueueAction>(i);
      return true;
    }
  }
  return false;
}

void pack_ids(BodyWriter& w, std::string_view name, const std::vector<JobId>& ids) {
  BodyWriter::Packer& pk = w.key(name);
  pk.pack_array(static_cast<std::uint32_t>(ids.size()));
  for (JobId id : ids) pk.pack(id);
}

}  // namespace

// JobSpec leaves out fields at their defaults: a batch of kMaxBatch jobs has
// to fit in kMaxFrameBytes with room for payloads.
std::string encode_spec(const JobSpec& spec) {
  const JobSpec defaults;
  BodyWriter w;
  if (spec.queue != defaults.queue) w.add("queue", spec.queue);
  if (spec.kind != defaults.kind) w.add("kind", to_string(spec.kind));
  if (!spec.job_class.empty()) w.add("class", spec.job_class);
  if (!spec.payload.empty()) w.add_bytes("payload", spec.payload);
  if (!spec.unique_key.empty()) w.add("unique", spec.unique_key);
  if (spec.priority != 0) w.add("priority", spec.priority);
  if (spec.run_at != 0) w.add("run_at", spec.run_at);
  if (spec.in_ms != 0) w.add("in_ms", spec.in_ms);
  if (spec.timeout_ms != 0) w.add("timeout_ms", spec.timeout_ms);
  if (spec.retry.max_attempts != 0) w.add("max_attempts", spec.retry.max_attempts);
  if (spec.retry.backoff_base_ms != 0) w.add("backoff_base_ms", spec.retry.backoff_base_ms);
  if (spec.retry.backoff_max_ms != 0) w.add("backoff_max_ms", spec.retry.backoff_max_ms);
  if (!spec.pin_node.empty()) w.add("pin_node", spec.pin_node);
  if (!spec.pin_pool.empty()) w.add("pin_pool", spec.pin_pool);
  if (!spec.flow.empty()) w.add("flow", spec.flow);
  return w.finish();
}

void read_spec(MapReader& r, JobSpec& spec) {
  r.read_name("queue", spec.queue);
  r.read_enum("kind", spec.kind, job_kind_from_string);
  r.read_name("class", spec.job_class);
  r.read_bytes("payload", spec.payload);
  if (spec.payload.size() > kMaxPayloadBytes) {
    r.fail("payload", "is " + std::to_string(spec.payload.size()) +
                          " bytes, larger than the limit of " + std::to_string(kMaxPayloadBytes));
  }
  r.read("unique", spec.unique_key, kMaxUniqueKeyBytes);
  r.read("priority", spec.priority);
  r.read_in<TimeMs>("run_at", spec.run_at, 0, kMaxTimeMs);
  r.read_in<std::int64_t>("in_ms", spec.in_ms, 0, kMaxDelayMs);
  r.read("timeout_ms", spec.timeout_ms);
  r.read("max_attempts", spec.retry.max_attempts);
  r.read("backoff_base_ms", spec.retry.backoff_base_ms);
  r.read("backoff_max_ms", spec.retry.backoff_max_ms);
  r.read_name("pin_node", spec.pin_node);
  r.read_name("pin_pool", spec.pin_pool);
  r.read_name("flow", spec.flow);
}

namespace {

std::string encode_queue_config(const QueueConfig& config) {
  BodyWriter w;
  w.add("paused", config.paused);
  w.add("max_attempts", config.retry.max_attempts);
  w.add("backoff_base_ms", config.retry.backoff_base_ms);
  w.add("backoff_max_ms", config.retry.backoff_max_ms);
  w.add("retention_ms", config.retention_ms);
  if (config.dedup_window_ms != 0) w.add("dedup_window_ms", config.dedup_window_ms);
  return w.finish();
}

void read_queue_config(MapReader& r, QueueConfig& config) {
  r.read("paused", config.paused);
  r.read("max_attempts", config.retry.max_attempts);
  r.read("backoff_base_ms", config.retry.backoff_base_ms);
  r.read("backoff_max_ms", config.retry.backoff_max_ms);
  r.read_in<std::uint64_t>("retention_ms", config.retention_ms, 0, kMaxDelayMs);
  r.read_in<std::uint64_t>("dedup_window_ms", config.dedup_window_ms, 0, kMaxDelayMs);
}

// One writer and one reader per body.

void write(BodyWriter& w, const Hello& b) {
  w.add("protocol", b.protocol).add("client", b.client);
}
void read(MapReader& r, Hello& b) {
  r.read("protocol", b.protocol);
  r.read_name("client", b.client);
}

void write(BodyWriter& w, const Enqueue& b) {
  w.key("jobs").pack_array(static_cast<std::uint32_t>(b.jobs.size()));
  for (const JobSpec& spec : b.jobs) w.append_packed(encode_spec(spec));
  w.add("wait", b.wait).add("timeout_ms", b.timeout_ms);
}
void read(MapReader& r, Enqueue& b) {
  r.require("jobs");
  if (const msgpack::object_array* jobs = r.find_array("jobs", kMaxBatch)) {
    b.jobs.resize(jobs->size);
    for (std::uint32_t i = 0; i < jobs->size && r.ok(); ++i) {
      MapReader item(jobs->ptr[i], r.what(), r.item_path("jobs", i));
      read_spec(item, b.jobs[i]);
      r.merge(item.finish());
    }
  }
  r.read("wait", b.wait);
  r.read("timeout_ms", b.timeout_ms);
}

void write(BodyWriter& w, const Wait& b) {
  pack_ids(w, "ids", b.ids);
  w.add("timeout_ms", b.timeout_ms);
}
void read(MapReader& r, Wait& b) {
  r.require("ids");
  r.read_ids("ids", b.ids, kMaxBatch);
  r.read("timeout_ms", b.timeout_ms);
}

void write(BodyWriter& w, const Get& b) {
  w.add("id", b.id);
}
void read(MapReader& r, Get& b) {
  r.require("id");
  r.read("id", b.id);
}

void write(BodyWriter& w, const List& b) {
  w.add("queue", b.queue);
  if (b.state) w.add("state", to_string(*b.state));
  w.add("after", b.after).add("limit", b.limit);
  write_query_fields(w, b);
}
void read(MapReader& r, List& b) {
  r.read_name("queue", b.queue);
  if (r.find("state")) {
    JobState state{};
    r.read_enum("state", state, job_state_from_string);
    b.state = state;
  }
  r.read("after", b.after);
  r.read_in<std::uint32_t>("limit", b.limit, 1, kMaxPageSize);
  read_query_fields(r, b);
}

void write(BodyWriter& w, const Retry& b) {
  pack_ids(w, "ids", b.ids);
}
void read(MapReader& r, Retry& b) {
  r.require("ids");
  r.read_ids("ids", b.ids, kMaxBatch);
}

void write(BodyWriter& w, const Delete& b) {
  pack_ids(w, "ids", b.ids);
}
void read(MapReader& r, Delete& b) {
  r.require("ids");
  r.read_ids("ids", b.ids, kMaxBatch);
}

void write(BodyWriter&, const Queues&) {}
void read(MapReader&, Queues&) {}

void write(BodyWriter& w, const QueueCommand& b) {
  w.add("action", to_string(b.action)).add("name", b.name);
  if (b.config) w.add_packed("config", encode_queue_config(*b.config));
}
void read(MapReader& r, QueueCommand& b) {
  r.require("action");
  r.require("name");
  r.read_enum("action", b.action, queue_action_from_string);
  r.read_name("name", b.name);
  if (const msgpack::object* config = r.find("config")) {
    MapReader item(*config, r.what(), r.field_path("config"));
    QueueConfig value;
    read_queue_config(item, value);
    r.merge(item.finish());
    b.config = value;
  }
}

void write(BodyWriter&, const Stats&) {}
void read(MapReader&, Stats&) {}

void write(BodyWriter&, const Nodes&) {}
void read(MapReader&, Nodes&) {}

void write(BodyWriter& w, const WorkerHello& b) {
  w.add("name", b.name);
  BodyWriter::Packer& pk = w.key("queues");
  pk.pack_array(static_cast<std::uint32_t>(b.queues.size()));
  for (const std::string& queue : b.queues) BodyWriter::pack_string(pk, queue);
  if (!b.kinds.empty()) {
    BodyWriter::Packer& kinds = w.key("kinds");
    kinds.pack_array(static_cast<std::uint32_t>(b.kinds.size()));
    for (JobKind kind : b.kinds) BodyWriter::pack_string(kinds, to_string(kind));
  }
  w.add("slots", b.slots);
  if (!b.pool.empty()) w.add("pool", b.pool);
  if (!b.running.empty()) {
    BodyWriter::Packer& running = w.key("running");
    running.pack_array(static_cast<std::uint32_t>(b.running.size()));
    for (const WorkerHello::HeldLease& lease : b.running) {
      running.pack_array(3);
      running.pack(lease.id);
      running.pack(lease.term);
      running.pack(lease.attempt);
    }
  }
  if (b.batch) w.add("batch", true);
}
void read(MapReader& r, WorkerHello& b) {
  r.read_name("name", b.name);
  r.read_names("queues", b.queues, kMaxBatch);
  std::vector<std::string> kinds;
  r.read_strings("kinds", kinds, 16);
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    JobKind kind{};
    if (!job_kind_from_string(kinds[i], kind)) {
      r.fail_at(r.item_path("kinds", i), "is not a job kind (shell, ruby, http, task)");
      break;
    }
    b.kinds.push_back(kind);
  }
  r.read_in<std::uint32_t>("slots", b.slots, 0, kMaxSlots);
  r.read_name("pool", b.pool);
  if (const msgpack::object_array* running = r.find_array("running", kMaxBatch)) {
    for (std::uint32_t i = 0; i < running->size && r.ok(); ++i) {
      const msgpack::object& item = running->ptr[i];
      WorkerHello::HeldLease lease;
      std::string problem;
      if (item.type != msgpack::type::ARRAY || item.via.array.size != 3) {
        problem = "is not an array of [id, term, attempt]";
      } else {
        problem = codec::convert::as_integer(item.via.array.ptr[0], lease.id);
        if (problem.empty())
          problem = codec::convert::as_integer(item.via.array.ptr[1], lease.term);
        if (problem.empty())
          problem = codec::convert::as_integer(item.via.array.ptr[2], lease.attempt);
      }
      if (!problem.empty()) {
        r.fail_at(r.item_path("running", i), problem);
        break;
      }
      b.running.push_back(lease);
    }
  }
  r.read("batch", b.batch);
}

void write(BodyWriter& w, const Credit& b) {
  w.add("slots", b.slots);
  // Only when set: a grant looks as it always did.
  if (b.withdraw != 0) w.add("withdraw", b.withdraw);
}
void read(MapReader& r, Credit& b) {
  r.read_in<std::uint32_t>("slots", b.slots, 0, kMaxSlots);
  r.read_in<std::uint32_t>("withdraw", b.withdraw, 0, kMaxSlots);
}

void write(BodyWriter& w, const Report& b) {
  w.add("id", b.id).add("term", b.term).add("attempt", b.attempt);
  w.add("outcome", to_string(b.outcome)).add("exit_status", b.exit_status);
  w.add("output", b.output).add("error", b.error);
  w.add("cpu_ms", b.cpu_ms).add("max_rss_kb", b.max_rss_kb);
}
void read(MapReader& r, Report& b) {
  for (const char* key : {"id", "term", "attempt", "outcome"}) r.require(key);
  r.read("id", b.id);
  r.read("term", b.term);
  r.read("attempt", b.attempt);
  r.read_enum("outcome", b.outcome, outcome_from_string);
  r.read("exit_status", b.exit_status);
  r.read_bytes("output", b.output);
  r.read_bytes("error", b.error);
  r.read("cpu_ms", b.cpu_ms);
  r.read("max_rss_kb", b.max_rss_kb);
}

void write(BodyWriter&, const Heartbeat&) {}
void read(MapReader&, Heartbeat&) {}

void write(BodyWriter& w, const Reports& b) {
  w.key("reports").pack_array(static_cast<std::uint32_t>(b.reports.size()));
  for (const Report& report : b.reports) {
    BodyWriter item;
    write(item, report);
    w.append_packed(item.finish());
  }
}
void read(MapReader& r, Reports& b) {
  r.require("reports");
  if (const msgpack::object_array* reports = r.find_array("reports", kMaxReportsPerMessage)) {
    if (reports->size == 0) r.fail("reports", "is empty");
    b.reports.resize(reports->size);
    for (std::uint32_t i = 0; i < reports->size && r.ok(); ++i) {
      MapReader item(reports->ptr[i], r.what(), r.item_path("reports", i));
      read(item, b.reports[i]);
      r.merge(item.finish());
    }
  }
}

void write(BodyWriter& w, const PoolCommand& b) {
  w.add("action", to_string(b.action));
  if (!b.name.empty()) w.add("name", b.name);
  if (b.spec) w.add_packed("spec", encode_pool_spec(*b.spec));
}
void read(MapReader& r, PoolCommand& b) {
  r.require("action");
  r.read_enum("action", b.action, pool_action_from_string);
  r.read_name("name", b.name);
  if (const msgpack::object* spec = r.find("spec")) {
    MapReader item(*spec, r.what(), r.field_path("spec"));
    PoolSpec value;
    read_pool_spec(item, value);
    r.merge(item.finish());
    b.spec = std::move(value);
  }
  if (!r.ok()) return;
  if (b.action == PoolAction::add && !b.spec) r.require("spec");
  if ((b.action == PoolAction::remove || b.action == PoolAction::reload) && b.name.empty())
    r.require("name");
}

void write(BodyWriter& w, const QdiscCommand& b) {
  write_qdisc_command(w, b);
}
void read(MapReader& r, QdiscCommand& b) {
  read_qdisc_command(r, b);
}

void write(BodyWriter& w, const Upgrade& b) {
  write_upgrade(w, b);
}
void read(MapReader& r, Upgrade& b) {
  read_upgrade(r, b);
}

void write(BodyWriter& w, const TransferLeadership& b) {
  write_transfer_leadership(w, b);
}
void read(MapReader& r, TransferLeadership& b) {
  read_transfer_leadership(r, b);
}

void write(BodyWriter& w, const ForceRecovery& b) {
  write_force_recovery(w, b);
}
void read(MapReader& r, ForceRecovery& b) {
  read_force_recovery(r, b);
}

void write(BodyWriter& w, const CronCommand& b) {
  write_cron_command(w, b);
}
void read(MapReader& r, CronCommand& b) {
  read_cron_command(r, b);
}

// Builds the alternative at a runtime index and reads it.
template <std::size_t... I>
void read_alternative(std::size_t index, MapReader& r, RequestBody& out,
                      std::index_sequence<I...>) {
  ((index == I ? read(r, out.emplace<I>()) : void()), ...);
}

Status bad(std::string message) {
  return Status::error(ErrorCode::bad_request, std::move(message));
}

}  // namespace

const char* to_string(PoolAction action) {
  return kPoolActionNames.at(static_cast<std::size_t>(action));
}

const char* request_type(const RequestBody& body) {
  return kTypeNames.at(body.index());
}

std::string encode_request(const Request& request) {
  BodyWriter w;
  std::visit([&w](const auto& body) { write(w, body); }, request.body);
  return encode_envelope(request.id, request_type(request.body), w.finish());
}

Result<Request> decode_request(std::string_view frame, std::uint64_t* id_for_error) {
  if (id_for_error) *id_for_error = 0;
  Result<Envelope> envelope =
      decode_envelope(frame, {"request", "type", "this node"}, id_for_error);
  if (!envelope.ok()) return envelope.status();
  Request request;
  request.id = envelope->id;
  if (request.id == 0) return bad("request id 0 is reserved for pushes");
  const std::string_view type = envelope->word;
  std::size_t index = 0;
  while (index < kTypeNames.size() && type != kTypeNames[index]) ++index;
  if (index == kTypeNames.size())
    return bad("unknown request type '" + codec::printable(type) + "'");

  MapReader r(*envelope->body, "request body");
  read_alternative(index, r, request.body,
                   std::make_index_sequence<std::variant_size_v<RequestBody>>{});
  Status status = r.finish();
  if (!status.ok()) return status;
  return request;
}

}  // namespace desaster::protocol
