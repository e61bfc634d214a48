// Jobs and statuses as named msgpack maps; see job_wire.hpp for the fields.
#include "transport/protocol/job_wire.hpp"

#include <limits>

#include "core/codec/text.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"

namespace desaster::protocol {

namespace {

constexpr std::uint32_t kJobFields = 29;  // and eta, when known
constexpr std::uint32_t kAttemptFields = 9;
constexpr std::size_t kMaxHistory = std::numeric_limits<std::uint32_t>::max();

Packer& field(Packer& pk, std::string_view name) {
  BodyWriter::pack_string(pk, name);
  return pk;
}
void pack_text(Packer& pk, std::string_view text) {
  BodyWriter::pack_string(pk, text);
}

void pack_attempt(Packer& pk, const Attempt& a) {
  pk.pack_map(kAttemptFields);
  field(pk, "attempt").pack(a.number);
  field(pk, "started_at").pack(a.started_at);
  field(pk, "finished_at").pack(a.finished_at);
  pack_text(field(pk, "node"), a.node);
  pack_text(field(pk, "worker"), a.worker);
  field(pk, "exit_status").pack(a.exit_status);
  pack_text(field(pk, "error"), a.error);
  field(pk, "cpu_ms").pack(a.cpu_ms);
  field(pk, "max_rss_kb").pack(a.max_rss_kb);
}

void read_attempt(MapReader& r, Attempt& a) {
  r.read("attempt", a.number);
  r.read("started_at", a.started_at);
  r.read("finished_at", a.finished_at);
  r.read("node", a.node);
  r.read("worker", a.worker);
  r.read("exit_status", a.exit_status);
  r.read_bytes("error", a.error);
  r.read("cpu_ms", a.cpu_ms);
  r.read("max_rss_kb", a.max_rss_kb);
}

}  // namespace

void pack_job_map(Packer& pk, const Job& job, const std::optional<JobEta>& eta) {
  pk.pack_map(kJobFields + (eta ? 1 : 0));
  field(pk, "id").pack(job.id);
  pack_text(field(pk, "queue"), job.queue);
  pack_text(field(pk, "kind"), to_string(job.kind));
  pack_text(field(pk, "class"), job.job_class);
  BodyWriter::pack_bytes(field(pk, "payload"), job.payload);
  pack_text(field(pk, "unique"), job.unique_key);
  field(pk, "priority").pack(job.priority);
  field(pk, "run_at").pack(job.run_at);
  field(pk, "timeout_ms").pack(job.timeout_ms);
  field(pk, "max_attempts").pack(job.retry.max_attempts);
  field(pk, "backoff_base_ms").pack(job.retry.backoff_base_ms);
  field(pk, "backoff_max_ms").pack(job.retry.backoff_max_ms);
  pack_text(field(pk, "state"), to_string(job.state));
  field(pk, "attempts").pack(job.attempts);
  field(pk, "duplicate_runs").pack(job.duplicate_runs);
  field(pk, "created_at").pack(job.created_at);
  field(pk, "started_at").pack(job.started_at);
  field(pk, "finished_at").pack(job.finished_at);
  field(pk, "term").pack(job.lease_term);
  pack_text(field(pk, "node"), job.node);
  pack_text(field(pk, "worker"), job.worker);
  field(pk, "lease_expires_at").pack(job.lease_expires_at);
  field(pk, "exit_status").pack(job.exit_status);
  pack_text(field(pk, "output"), job.output_tail);
  pack_text(field(pk, "error"), job.last_error);
  field(pk, "history").pack_array(static_cast<std::uint32_t>(job.history.size()));
  for (const Attempt& a : job.history) pack_attempt(pk, a);
  pack_text(field(pk, "pin_node"), job.pin_node);
  pack_text(field(pk, "pin_pool"), job.pin_pool);
  pack_text(field(pk, "flow"), job.flow);
  if (eta) {
    field(pk, "eta").pack_map(2);
    field(pk, "start_ms").pack(eta->start_ms);
    field(pk, "finish_ms").pack(eta->finish_ms);
  }
}

Status unpack_job_map(const msgpack::object& obj, Job& out) {
  return unpack_job_map(obj, out, "job", {});
}

Status unpack_job_map(const msgpack::object& obj, Job& out, std::string_view what,
                      std::string_view map_path, std::optional<JobEta>* eta) {
  MapReader r(obj, std::string(what), std::string(map_path));
  Job job;
  r.read("id", job.id);
  r.read("queue", job.queue);
  r.read_enum("kind", job.kind, job_kind_from_string);
  r.read("class", job.job_class);
  r.read_bytes("payload", job.payload);
  r.read("unique", job.unique_key);
  r.read("priority", job.priority);
  r.read("run_at", job.run_at);
  r.read("timeout_ms", job.timeout_ms);
  r.read("max_attempts", job.retry.max_attempts);
  r.read("backoff_base_ms", job.retry.backoff_base_ms);
  r.read("backoff_max_ms", job.retry.backoff_max_ms);
  r.read_enum("state", job.state, job_state_from_string);
  r.read("attempts", job.attempts);
  r.read("duplicate_runs", job.duplicate_runs);
  r.read("created_at", job.created_at);
  r.read("started_at", job.started_at);
  r.read("finished_at", job.finished_at);
  r.read("term", job.lease_term);
  r.read("node", job.node);
  r.read("worker", job.worker);
  r.read("lease_expires_at", job.lease_expires_at);
  r.read("exit_status", job.exit_status);
  r.read_bytes("output", job.output_tail);
  r.read_bytes("error", job.last_error);
  if (const msgpack::object_array* history = r.find_array("history", kMaxHistory)) {
    job.history.resize(history->size);
    for (std::uint32_t i = 0; i < history->size && r.ok(); ++i) {
      MapReader item(history->ptr[i], r.what(), r.item_path("history", i));
      read_attempt(item, job.history[i]);
      r.merge(item.status());
    }
  }
  r.read("pin_node", job.pin_node);
  r.read("pin_pool", job.pin_pool);
  r.read("flow", job.flow);
  std::optional<JobEta> read_eta;
  if (const msgpack::object* e = r.find("eta"); e && r.ok()) {
    MapReader item(*e, r.what(), r.field_path("eta"));
    JobEta value;
    item.require("start_ms");
    item.require("finish_ms");
    item.read("start_ms", value.start_ms);
    item.read("finish_ms", value.finish_ms);
    r.merge(item.status());
    read_eta = value;
  }
  if (!r.ok()) return r.status();
  out = std::move(job);
  if (eta) *eta = read_eta;
  return Status::success();
}

void pack_status(Packer& pk, const Status& status) {
  if (status.ok()) {
    pk.pack_nil();
    return;
  }
  pk.pack_map(2);
  pack_text(field(pk, "code"), to_string(status.code));
  pack_text(field(pk, "message"), codec::to_valid_utf8(status.message));
}

Status unpack_status(const msgpack::object& obj, Status& out) {
  return unpack_status(obj, out, "status", {});
}

Status unpack_status(const msgpack::object& obj, Status& out, std::string_view what,
                     std::string_view map_path) {
  if (obj.type == msgpack::type::NIL) {
    out = Status::success();
    return Status::success();
  }
  MapReader r(obj, std::string(what), std::string(map_path));
  Status status;
  r.read_enum("code", status.code, error_code_from_string);
  r.read("message", status.message);
  if (r.ok() && !r.find("code")) r.fail("code", "is missing");
  if (!r.ok()) return r.status();
  out = std::move(status);
  return Status::success();
}

}  // namespace desaster::protocol
