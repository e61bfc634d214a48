// The job actions on the wire (action_messages.hpp): the "action" request's
// writer and strict reader, and the bodies of its reply and of the "cancel"
// push, each writer beside its reader.
#include <array>

#include "core/codec/text.hpp"
#include "transport/protocol/action_messages.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/limits.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/reply_decode.hpp"

namespace desaster::protocol {

namespace {

constexpr std::array<const char*, 6> kActionNames{"kill",  "relocate", "rerole",
                                                  "retry", "delete",   "reschedule"};

// Which optional fields an action takes; any other is refused.
struct ActionFields {
  bool queue = false, node = false, role = false, time = false;
};

ActionFields fields_of(JobActionKind action) {
  switch (action) {
    case JobActionKind::relocate:
      return {true, true, false, false};
    case JobActionKind::rerole:
      return {true, false, true, false};
    case JobActionKind::reschedule:
      return {false, false, false, true};
    case JobActionKind::kill:
    case JobActionKind::retry:
    case JobActionKind::remove:
      break;
  }
  return {};
}

void refuse_unused(MapReader& r, bool allowed, std::string_view key, JobActionKind action,
                   bool present) {
  if (present && !allowed && r.ok()) {
    r.fail(key, std::string("is not used by ") + to_string(action));
  }
}

// Checks what a reader cannot see field by field: the selection, and that
// each action has what it needs and nothing it does not use.
void check_action(MapReader& r, const JobAction& b) {
  if (!r.ok()) return;
  if (b.all && !b.ids.empty()) return r.fail("ids", "cannot go with 'all'");
  if (!b.all && b.ids.empty()) {
    return r.fail("ids", "is missing or empty (give ids, or all: true to act on a query)");
  }
  if (!b.all && (!b.query_queue.empty() || b.query_state)) {
    return r.fail("query", "needs all: true");
  }
  const ActionFields allowed = fields_of(b.action);
  refuse_unused(r, allowed.queue, "queue", b.action, b.queue.has_value());
  refuse_unused(r, allowed.node, "node", b.action, b.node.has_value());
  refuse_unused(r, allowed.role, "class", b.action, b.job_class.has_value());
  refuse_unused(r, allowed.role, "priority", b.action, b.priority.has_value());
  refuse_unused(r, allowed.role, "flow", b.action, b.flow.has_value());
  refuse_unused(r, allowed.time, "run_at", b.action, b.run_at != 0);
  refuse_unused(r, allowed.time, "in_ms", b.action, b.in_ms != 0);
  if (!r.ok()) return;
  switch (b.action) {
    case JobActionKind::relocate:
      if (!b.queue && !b.node) r.fail("queue", "or 'node' is needed to relocate");
      break;
    case JobActionKind::rerole:
      if (!b.queue && !b.job_class && !b.priority && !b.flow)
        r.fail("class", "or 'priority', 'flow', 'queue' is needed to re-role");
      break;
    case JobActionKind::reschedule:
      if ((b.run_at != 0) == (b.in_ms != 0)) r.fail("run_at", "or 'in_ms' (one of them) is needed");
      break;
    case JobActionKind::kill:
    case JobActionKind::retry:
    case JobActionKind::remove:
      break;
  }
}

void read_optional(MapReader& r, std::string_view key, std::optional<std::string>& out) {
  if (!r.find(key)) return;
  std::string value;
  r.read_name(key, value);
  out = std::move(value);
}

}  // namespace

const char* to_string(JobActionKind action) {
  return kActionNames.at(static_cast<std::size_t>(action));
}

bool job_action_from_string(std::string_view name, JobActionKind& out) {
  for (std::size_t i = 0; i < kActionNames.size(); ++i) {
    if (name == kActionNames[i]) {
      out = static_cast<JobActionKind>(i);
      return true;
    }
  }
  return false;
}

void write(BodyWriter& w, const JobAction& b) {
  w.add("action", to_string(b.action));
  if (!b.ids.empty()) {
    BodyWriter::Packer& pk = w.key("ids");
    pk.pack_array(static_cast<std::uint32_t>(b.ids.size()));
    for (JobId id : b.ids) pk.pack(id);
  }
  if (b.all) w.add("all", true);
  if (!b.query_queue.empty() || b.query_state) {
    BodyWriter query;
    if (!b.query_queue.empty()) query.add("queue", b.query_queue);
    if (b.query_state) query.add("state", to_string(*b.query_state));
    w.add_packed("query", query.finish());
  }
  if (b.queue) w.add("queue", *b.queue);
  if (b.node) w.add("node", *b.node);
  if (b.job_class) w.add("class", *b.job_class);
  if (b.priority) w.add("priority", *b.priority);
  if (b.flow) w.add("flow", *b.flow);
  if (b.run_at != 0) w.add("run_at", b.run_at);
  if (b.in_ms != 0) w.add("in_ms", b.in_ms);
}

void read(MapReader& r, JobAction& b) {
  r.require("action");
  r.read_enum("action", b.action, job_action_from_string);
  r.read_ids("ids", b.ids, kMaxBatch);
  r.read("all", b.all);
  if (const msgpack::object* query = r.find("query")) {
    MapReader q(*query, r.what(), r.field_path("query"));
    q.read_name("queue", b.query_queue);
    if (q.find("state")) {
      JobState state{};
      q.read_enum("state", state, job_state_from_string);
      b.query_state = state;
    }
    r.merge(q.finish());
  }
  read_optional(r, "queue", b.queue);
  read_optional(r, "node", b.node);
  read_optional(r, "class", b.job_class);
  if (r.find("priority")) {
    std::int32_t priority = 0;
    r.read("priority", priority);
    b.priority = priority;
  }
  read_optional(r, "flow", b.flow);
  r.read_in<TimeMs>("run_at", b.run_at, 0, kMaxTimeMs);
  r.read_in<std::int64_t>("in_ms", b.in_ms, 0, kMaxDelayMs);
  check_action(r, b);
}

std::string encode_body(const JobActionReply& b) {
  BodyWriter w;
  w.add("selected", b.selected).add("done", b.done).add("already_final", b.already_final);
  w.add("not_found", b.not_found).add("refused", b.refused);
  BodyWriter::Packer& pk = w.key("errors");
  pk.pack_array(static_cast<std::uint32_t>(b.errors.size()));
  for (const JobActionError& e : b.errors) {
    BodyWriter item;
    item.add("id", e.id)
        .add("code", to_string(e.status.code))
        .add("message", codec::to_valid_utf8(e.status.message));
    w.append_packed(item.finish());
  }
  w.add("errors_left_out", b.errors_left_out);
  return w.finish();
}

Status decode_body(std::string_view bytes, JobActionReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, JobActionReply& b) {
    r.require("done");
    r.read("selected", b.selected);
    r.read("done", b.done);
    r.read("already_final", b.already_final);
    r.read("not_found", b.not_found);
    r.read("refused", b.refused);
    r.read("errors_left_out", b.errors_left_out);
    const msgpack::object_array* errors = r.find_array("errors", kMaxActionErrors);
    if (!errors) return;
    b.errors.resize(errors->size);
    for (std::uint32_t i = 0; i < errors->size && r.ok(); ++i) {
      MapReader item(errors->ptr[i], r.what(), r.item_path("errors", i));
      JobActionError& e = b.errors[i];
      item.require("id");
      item.require("code");
      item.read("id", e.id);
      item.read_enum("code", e.status.code, error_code_from_string);
      item.read("message", e.status.message);
      if (item.ok() && e.status.ok()) item.fail("code", "cannot be ok in an error");
      r.merge(item.status());
    }
  });
}

std::string encode_body(const CancelPush& b) {
  BodyWriter w;
  w.add("id", b.id).add("term", b.term).add("attempt", b.attempt);
  return w.finish();
}

Status decode_body(std::string_view bytes, CancelPush& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, CancelPush& b) {
    for (const char* key : {"id", "term", "attempt"}) r.require(key);
    r.read("id", b.id);
    r.read("term", b.term);
    r.read("attempt", b.attempt);
  });
}

}  // namespace desaster::protocol
