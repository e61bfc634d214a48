// The query fields of "list" and the "groups" request (query_messages.hpp),
// each writer beside its reader. Strict like every request reader: a field
// of the wrong type or an unknown name is refused with its name.
#include <limits>

#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/limits.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster::protocol {

namespace {

constexpr std::size_t kMaxStates = 7;

void write_states(BodyWriter& w, const std::vector<JobState>& states) {
  BodyWriter::Packer& pk = w.key("states");
  pk.pack_array(static_cast<std::uint32_t>(states.size()));
  for (JobState s : states) BodyWriter::pack_string(pk, to_string(s));
}

void read_states(MapReader& r, std::vector<JobState>& out) {
  std::vector<std::string> names;
  r.read_strings("states", names, kMaxStates);
  for (std::size_t i = 0; i < names.size() && r.ok(); ++i) {
    JobState state{};
    if (!job_state_from_string(names[i], state)) {
      r.fail_at(r.item_path("states", i),
                "is not a job state (scheduled, queued, running, succeeded, failed, dead, "
                "killed)");
      return;
    }
    out.push_back(state);
  }
}

struct RangeNames {
  const char* after;
  const char* before;
};

void write_range(BodyWriter& w, RangeNames names, const TimeRange& range) {
  const TimeRange all;
  if (range.from != all.from) w.add(names.after, range.from);
  if (range.to != all.to) w.add(names.before, range.to);
}

void read_range(MapReader& r, RangeNames names, TimeRange& range) {
  r.read_in<TimeMs>(names.after, range.from, -kMaxTimeMs, kMaxTimeMs);
  r.read_in<TimeMs>(names.before, range.to, -kMaxTimeMs, kMaxTimeMs);
}

constexpr RangeNames kCreated{"created_after", "created_before"};
constexpr RangeNames kStarted{"started_after", "started_before"};
constexpr RangeNames kFinished{"finished_after", "finished_before"};
constexpr RangeNames kRun{"run_after", "run_before"};

}  // namespace

void write_query_fields(BodyWriter& w, const List& b) {
  const List defaults;
  if (!b.states.empty()) write_states(w, b.states);
  if (!b.search.empty()) w.add("search", b.search);
  if (!b.job_class.empty()) w.add("class", b.job_class);
  if (!b.node.empty()) w.add("node", b.node);
  if (!b.flow.empty()) w.add("flow", b.flow);
  if (b.attempts_min != defaults.attempts_min) w.add("attempts_min", b.attempts_min);
  if (b.attempts_max != defaults.attempts_max) w.add("attempts_max", b.attempts_max);
  write_range(w, kCreated, b.created);
  write_range(w, kStarted, b.started);
  write_range(w, kFinished, b.finished);
  write_range(w, kRun, b.run_at);
  if (b.sort != defaults.sort) w.add("sort", to_string(b.sort));
  if (b.descending) w.add("desc", true);
  if (!b.cursor.empty()) w.add("cursor", b.cursor);
}

void read_query_fields(MapReader& r, List& b) {
  read_states(r, b.states);
  r.read("search", b.search);
  r.read_name("class", b.job_class);
  r.read_name("node", b.node);
  r.read_name("flow", b.flow);
  r.read("attempts_min", b.attempts_min);
  r.read("attempts_max", b.attempts_max);
  read_range(r, kCreated, b.created);
  read_range(r, kStarted, b.started);
  read_range(r, kFinished, b.finished);
  read_range(r, kRun, b.run_at);
  r.read_enum("sort", b.sort, sort_column_from_string);
  r.read("desc", b.descending);
  r.read("cursor", b.cursor);
}

void write(BodyWriter& w, const Groups& b) {
  w.add("by", to_string(b.by));
  if (!b.states.empty()) write_states(w, b.states);
}

void read(MapReader& r, Groups& b) {
  r.require("by");
  r.read_enum("by", b.by, group_by_from_string);
  read_states(r, b.states);
}

}  // namespace desaster::protocol
