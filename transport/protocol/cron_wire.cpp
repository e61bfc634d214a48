// The "cron" request and its reply (cron_messages.hpp). The request is read
// strictly; the reply leniently (a newer node may add fields).
#include "transport/protocol/cron_wire.hpp"

#include <array>

#include "transport/protocol/job_wire.hpp"
#include "transport/protocol/reply_decode.hpp"
#include "transport/protocol/spec_wire.hpp"

namespace desaster::protocol {

namespace {

constexpr std::array<const char*, 7> kCronActionNames{"add", "remove", "pause", "resume",
                                                      "run", "list",   "show"};

bool cron_action_from_string(std::string_view name, CronAction& out) {
  for (std::size_t i = 0; i < kCronActionNames.size(); ++i) {
    if (name == kCronActionNames[i]) {
      out = static_cast<CronAction>(i);
      return true;
    }
  }
  return false;
}

bool run_kind_from_string(std::string_view name, CronRunKind& out) {
  for (CronRunKind k : {CronRunKind::fired, CronRunKind::skipped_missed,
                        CronRunKind::skipped_overlap, CronRunKind::manual}) {
    if (name == to_string(k)) {
      out = k;
      return true;
    }
  }
  return false;
}

// At most this many entries in a reply, runs per entry and next instants.
constexpr std::size_t kMaxEntries = 100'000;
constexpr std::uint64_t kMaxDeadlineMs = 366ULL * 86'400'000;

std::string encode_entry(const CronEntryView& view) {
  const CronEntry& e = view.entry;
  BodyWriter w;
  w.add("name", e.name).add("schedule", e.schedule).add("zone", e.zone);
  w.add("missed", to_string(e.missed)).add("starting_deadline_ms", e.starting_deadline_ms);
  w.add("overlap", to_string(e.overlap)).add("paused", e.paused);
  pack_job_map(w.key("job"), e.job);
  w.add("created_at", e.created_at).add("last_instant", e.last_instant);
  BodyWriter::Packer& next = w.key("next");
  next.pack_array(static_cast<std::uint32_t>(view.next.size()));
  for (TimeMs t : view.next) next.pack(t);
  w.key("runs").pack_array(static_cast<std::uint32_t>(e.runs.size()));
  for (const CronRun& run : e.runs) {
    BodyWriter rw;
    rw.add("instant", run.instant).add("job", run.job).add("kind", to_string(run.kind));
    w.append_packed(rw.finish());
  }
  return w.finish();
}

void read_entry(MapReader& r, CronEntryView& view) {
  CronEntry& e = view.entry;
  r.require("name");
  r.read("name", e.name);
  r.read("schedule", e.schedule);
  r.read("zone", e.zone);
  r.read_enum("missed", e.missed, cron_missed_from_string);
  r.read("starting_deadline_ms", e.starting_deadline_ms);
  r.read_enum("overlap", e.overlap, cron_overlap_from_string);
  r.read("paused", e.paused);
  if (const msgpack::object* job = r.find("job")) {
    r.merge(unpack_job_map(*job, e.job, r.what(), r.field_path("job")));
  }
  r.read("created_at", e.created_at);
  r.read("last_instant", e.last_instant);
  if (const msgpack::object_array* next = r.find_array("next", kCronNextShown)) {
    for (std::uint32_t i = 0; i < next->size; ++i) {
      TimeMs t = 0;
      if (std::string problem = codec::convert::as_integer(next->ptr[i], t); !problem.empty()) {
        r.fail_at(r.item_path("next", i), problem);
        return;
      }
      view.next.push_back(t);
    }
  }
  if (const msgpack::object_array* runs = r.find_array("runs", kCronRunsKept)) {
    for (std::uint32_t i = 0; i < runs->size && r.ok(); ++i) {
      MapReader item(runs->ptr[i], r.what(), r.item_path("runs", i));
      CronRun run;
      item.read("instant", run.instant);
      item.read("job", run.job);
      item.read_enum("kind", run.kind, run_kind_from_string);
      r.merge(item.status());
      e.runs.push_back(run);
    }
  }
}

}  // namespace

const char* to_string(CronAction action) {
  return kCronActionNames.at(static_cast<std::size_t>(action));
}

void write_cron_command(BodyWriter& w, const CronCommand& b) {
  w.add("action", to_string(b.action));
  if (!b.name.empty()) w.add("name", b.name);
  if (b.action != CronAction::add) return;
  w.add("schedule", b.schedule);
  if (!b.zone.empty()) w.add("zone", b.zone);
  w.add("missed", to_string(b.missed));
  if (b.starting_deadline_ms != 0) w.add("starting_deadline_ms", b.starting_deadline_ms);
  w.add("overlap", to_string(b.overlap));
  if (b.job) w.add_packed("job", encode_spec(*b.job));
}

void read_cron_command(MapReader& r, CronCommand& b) {
  r.require("action");
  r.read_enum("action", b.action, cron_action_from_string);
  r.read("name", b.name, 128);
  r.read("schedule", b.schedule, 256);
  r.read("zone", b.zone, 64);
  r.read_enum("missed", b.missed, cron_missed_from_string);
  r.read_in<std::uint64_t>("starting_deadline_ms", b.starting_deadline_ms, 0, kMaxDeadlineMs);
  r.read_enum("overlap", b.overlap, cron_overlap_from_string);
  if (const msgpack::object* job = r.find("job")) {
    MapReader item(*job, r.what(), r.field_path("job"));
    JobSpec spec;
    read_spec(item, spec);
    r.merge(item.finish());
    b.job = std::move(spec);
  }
  if (!r.ok()) return;
  if (b.action != CronAction::list && b.name.empty()) r.require("name");
  if (b.action == CronAction::add) {
    r.require("schedule");
    if (!b.job) r.require("job");
  }
}

}  // namespace desaster::protocol

namespace desaster::protocol {

std::string encode_body(const CronReply& b) {
  BodyWriter w;
  w.key("entries").pack_array(static_cast<std::uint32_t>(b.entries.size()));
  for (const CronEntryView& view : b.entries) w.append_packed(encode_entry(view));
  if (b.job != 0) w.add("job", b.job);
  return w.finish();
}

Status decode_body(std::string_view bytes, CronReply& out) {
  return decode_reply_body(bytes, out, [](MapReader& r, CronReply& b) {
    if (const msgpack::object_array* entries = r.find_array("entries", kMaxEntries)) {
      b.entries.resize(entries->size);
      for (std::uint32_t i = 0; i < entries->size && r.ok(); ++i) {
        MapReader item(entries->ptr[i], r.what(), r.item_path("entries", i));
        read_entry(item, b.entries[i]);
        r.merge(item.status());
      }
    }
    r.read("job", b.job);
  });
}

}  // namespace desaster::protocol
