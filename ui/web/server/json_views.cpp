#include "ui/web/server/json_views.hpp"

#include <msgpack.hpp>

#include "core/model/job_id.hpp"
#include "core/model/shell_command.hpp"
#include "core/qdisc/qdisc_config.hpp"
#include "transport/client/msgpack_json.hpp"
#include "ui/common/json_writer.hpp"

namespace desaster::web {

namespace {

constexpr JobState kStates[] = {JobState::scheduled, JobState::queued, JobState::running,
                                JobState::succeeded, JobState::failed, JobState::dead,
                                JobState::killed};

void time_or_null(JsonWriter& w, const char* key, TimeMs t) {
  w.key(key);
  if (t > 0) {
    w.value(static_cast<std::int64_t>(t));
  } else {
    w.null();
  }
}

void write_counts(JsonWriter& w, const StateCounts& c) {
  w.begin_object();
  for (JobState s : kStates) w.key(to_string(s)).value(c.by_state[static_cast<std::size_t>(s)]);
  w.end_object();
}

// The first line of an error, at most 200 bytes (cut on a UTF-8 boundary).
std::string first_line(const std::string& error) {
  std::string line = error.substr(0, error.find('\n'));
  if (line.size() > 200) {
    std::size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xc0) == 0x80) --cut;
    line.resize(cut);
  }
  return line;
}

void write_eta(JsonWriter& w, const std::optional<Eta>& eta) {
  w.key("eta");
  if (!eta) {
    w.null();
    return;
  }
  w.begin_object().key("start").value(static_cast<std::int64_t>(eta->start));
  w.key("finish").value(static_cast<std::int64_t>(eta->finish)).end_object();
}

void write_row_fields(JsonWriter& w, const Job& job, const std::optional<Eta>& eta) {
  w.key("id").value(format_job_id(job.id));
  w.key("queue").value(job.queue);
  w.key("class").value(job.job_class);
  w.key("kind").value(to_string(job.kind));
  w.key("state").value(to_string(job.state));
  w.key("priority").value(static_cast<std::int64_t>(job.priority));
  w.key("attempts").value(static_cast<std::uint64_t>(job.attempts));
  w.key("node").value(job.node);
  w.key("worker").value(job.worker);
  time_or_null(w, "created_at", job.created_at);
  time_or_null(w, "run_at", job.run_at);
  time_or_null(w, "started_at", job.started_at);
  time_or_null(w, "finished_at", job.finished_at);
  write_eta(w, eta);
  w.key("error").value(first_line(job.last_error));
}

std::string payload_json(const Job& job) {
  try {
    msgpack::object_handle handle = msgpack::unpack(job.payload.data(), job.payload.size());
    return msgpack_to_json(handle.get());
  } catch (const std::exception&) {
    return {};
  }
}

// The oldest queued job's age in a queue, none when nothing waits.
std::optional<TimeMs> oldest_queued_age(const State& state, const std::string& queue, TimeMs now) {
  ListQuery q;
  q.queue = queue;
  q.state = JobState::queued;
  q.sort = SortColumn::created_at;
  q.limit = 1;
  const ListPage page = state.list(q);
  if (page.jobs.empty()) return std::nullopt;
  return std::max<TimeMs>(0, now - page.jobs.front()->created_at);
}

void write_node(JsonWriter& w, const protocol::NodeSummary& n, bool alive,
                const std::pair<std::string, double>& load) {
  w.begin_object();
  w.key("id").value(n.node);
  w.key("address").value(n.address);
  w.key("client_port").value(static_cast<std::uint64_t>(n.port >= 2 ? n.port - 2 : 0));
  w.key("role").value(n.role);
  w.key("self").value(n.self);
  w.key("term").value(n.term);
  w.key("commit_index").value(n.commit ? n.commit : n.index);
  w.key("lag");
  if (n.lag) {
    w.value(*n.lag);
  } else {
    w.null();
  }
  w.key("running").value(static_cast<std::uint64_t>(n.running));
  w.key("free_slots").value(static_cast<std::uint64_t>(n.free_slots));
  w.key("draining").value(n.draining);
  w.key("load");
  if (!load.first.empty() && load.first == n.node) {
    w.value(load.second);
  } else {
    w.null();
  }
  // A peer is alive while its beacons come (they come every second or so).
  w.key("alive").value(alive);
  w.key("last_seen_ms").value(n.last_seen_ms);
  w.end_object();
}

}  // namespace

std::uint32_t cluster_slots(const protocol::NodesReply& nodes) {
  std::uint32_t slots = 0;
  for (const protocol::NodeSummary& n : nodes.nodes) slots += n.running + n.free_slots;
  return slots;
}

std::string error_json(const std::string& message) {
  JsonWriter w;
  w.begin_object().key("error").value(message).end_object();
  return w.str();
}

std::string connection_json(const ConnectionInfo& c) {
  JsonWriter w;
  w.begin_object().key("connected_to").value(c.endpoint);
  w.key("state").value(to_string(c.state)).key("message").value(c.message).end_object();
  return w.str();
}

std::string overview_json(const State& state, const OverviewInputs& in) {
  JsonWriter w;
  w.begin_object();
  w.key("connected_to").value(in.connection.endpoint);
  w.key("connection_state").value(to_string(in.connection.state));
  w.key("message").value(in.connection.message);
  w.key("index").value(in.index).key("term").value(in.term);
  w.key("mode").value(in.nodes.mode);
  w.key("leader");
  std::string leader;
  for (const auto& n : in.nodes.nodes) {
    if (n.role == "leader") leader = n.node;
  }
  if (leader.empty()) {
    w.null();
  } else {
    w.value(leader);
  }
  w.key("nodes").begin_array();
  for (std::size_t i = 0; i < in.nodes.nodes.size(); ++i) {
    const bool alive = i < in.alive.size() ? in.alive[i] : true;
    write_node(w, in.nodes.nodes[i], alive, in.load);
  }
  w.end_array();
  const StateCounts counts = state.counts();
  const Totals& totals = state.totals();
  w.key("totals").begin_object();
  for (JobState s : kStates)
    w.key(to_string(s)).value(counts.by_state[static_cast<std::size_t>(s)]);
  w.key("jobs").value(counts.total());
  w.key("enqueued").value(totals.enqueued);
  w.key("processed").value(totals.succeeded);
  w.key("failed_attempts").value(totals.failed_attempts);
  w.end_object();
  w.key("queues").begin_array();
  for (const QueueInfo& q : state.queues()) {
    w.begin_object().key("name").value(q.name).key("counts");
    write_counts(w, q.counts);
    w.key("oldest_age_ms");
    if (auto age = oldest_queued_age(state, q.name, in.now)) {
      w.value(static_cast<std::int64_t>(*age));
    } else {
      w.null();
    }
    w.key("paused").value(q.config.paused);
    w.key("discipline").value(to_string(q.config.qdisc.kind));
    w.end_object();
  }
  w.end_array();
  w.key("rates").begin_object();
  if (in.rates) {
    w.key("processed_per_s").value(in.rates->processed_per_s(in.now));
    w.key("failed_per_s").value(in.rates->failed_per_s(in.now));
    for (auto [key, points] : {std::pair{"series_10m", in.rates->seconds(in.now)},
                               std::pair{"series_24h", in.rates->minutes(in.now)}}) {
      w.key(key).begin_array();
      for (const RatePoint& p : points) {
        w.begin_array().value(static_cast<std::int64_t>(p.t)).value(p.processed);
        w.value(p.failed).end_array();
      }
      w.end_array();
    }
  }
  w.end_object();
  w.end_object();
  return w.str();
}

std::string queues_json(const State& state) {
  JsonWriter w;
  w.begin_array();
  for (const QueueInfo& q : state.queues()) {
    w.begin_object().key("name").value(q.name).key("counts");
    write_counts(w, q.counts);
    w.key("paused").value(q.config.paused);
    w.key("discipline").value(to_string(q.config.qdisc.kind));
    w.key("dedup_window_ms").value(q.config.dedup_window_ms);
    w.key("max_attempts").value(static_cast<std::uint64_t>(q.config.retry.max_attempts));
    w.key("retention_ms").value(q.config.retention_ms);
    w.key("explicit").value(q.explicit_create);
    w.end_object();
  }
  w.end_array();
  return w.str();
}

std::string jobs_page_json(const ListPage& page, std::uint64_t index, const EtaOf& eta) {
  JsonWriter w;
  w.begin_object();
  w.key("total").value(page.total).key("total_exact").value(page.total_exact);
  w.key("index").value(index);
  w.key("jobs").begin_array();
  for (const Job* job : page.jobs) {
    w.begin_object();
    write_row_fields(w, *job, eta ? eta(*job) : std::nullopt);
    w.end_object();
  }
  w.end_array();
  w.key("next_cursor");
  if (page.cursor.empty()) {
    w.null();
  } else {
    w.value(page.cursor);
  }
  w.end_object();
  return w.str();
}

std::string job_json(const Job& job, const std::optional<Eta>& eta) {
  JsonWriter w;
  w.begin_object();
  write_row_fields(w, job, eta);
  w.end_object();
  const std::string payload = payload_json(job);
  std::string out = w.str();
  JsonWriter rest;
  rest.begin_object();
  if (job.kind == JobKind::shell) {
    Result<ShellCommand> command = decode_shell_command(job.payload);
    rest.key("command").value(command.ok() ? describe_shell_command(*command) : "");
  } else {
    rest.key("command").null();
  }
  rest.key("unique_key").value(job.unique_key);
  write_cron_origin_json(rest, job);
  rest.key("timeout_ms").value(static_cast<std::uint64_t>(job.timeout_ms));
  rest.key("exit_status").value(static_cast<std::int64_t>(job.exit_status));
  rest.key("output_tail").value(job.output_tail);
  rest.key("last_error").value(job.last_error);
  rest.key("flow").value(job.flow);
  rest.key("pin_node").value(job.pin_node);
  rest.key("pin_pool").value(job.pin_pool);
  time_or_null(rest, "lease_expires_at", job.lease_expires_at);
  rest.key("duplicate_runs").value(static_cast<std::uint64_t>(job.duplicate_runs));
  rest.key("attempts_history").begin_array();
  for (const Attempt& a : job.history) {
    rest.begin_object();
    rest.key("number").value(static_cast<std::uint64_t>(a.number));
    time_or_null(rest, "started_at", a.started_at);
    time_or_null(rest, "finished_at", a.finished_at);
    rest.key("duration_ms");
    if (a.started_at > 0 && a.finished_at >= a.started_at) {
      rest.value(static_cast<std::int64_t>(a.finished_at - a.started_at));
    } else {
      rest.null();
    }
    rest.key("node").value(a.node).key("worker").value(a.worker);
    rest.key("exit_status").value(static_cast<std::int64_t>(a.exit_status));
    rest.key("error").value(a.error);
    rest.key("cpu_ms").value(a.cpu_ms).key("max_rss_kb").value(a.max_rss_kb);
    rest.end_object();
  }
  rest.end_array().end_object();
  // Splice: {row fields, "payload": <json>, rest fields}.
  out.pop_back();
  out += ",\"payload\":" + (payload.empty() ? std::string("null") : payload) + ",";
  out += rest.str().substr(1);
  return out;
}

std::string groups_json(const std::vector<JobGroup>& groups, std::uint64_t index) {
  JsonWriter w;
  w.begin_object().key("groups").begin_array();
  for (const JobGroup& g : groups) {
    w.begin_object().key("key").value(g.key).key("count").value(g.count);
    w.key("example_id").value(format_job_id(g.example)).end_object();
  }
  w.end_array().key("index").value(index).end_object();
  return w.str();
}

std::string op_event_json(const OpEvent& e) {
  JsonWriter w;
  w.begin_object().key("index").value(e.index).key("kind").value(e.kind);
  w.key("jobs").begin_array();
  for (JobId id : e.jobs) w.value(format_job_id(id));
  w.end_array().key("jobs_total").value(e.jobs_total);
  w.key("queues").begin_array();
  for (const std::string& q : e.queues) w.value(q);
  w.end_array().key("state");
  if (e.state) {
    w.value(to_string(*e.state));
  } else {
    w.null();
  }
  w.end_object();
  return w.str();
}

std::string skipped_event_json(std::uint64_t index, std::uint64_t count) {
  JsonWriter w;
  w.begin_object().key("index").value(index).key("kind").value("skipped");
  w.key("count").value(count).end_object();
  return w.str();
}

}  // namespace desaster::web
