// Building each pane's table from TopData (top_panes.hpp).
#include "ui/top/top_panes.hpp"

#include <cmath>
#include <cstdio>

#include "core/model/job_id.hpp"
#include "ui/top/top_format.hpp"

namespace desaster::top {

namespace {

Cell text(const std::string& s) {
  return {printable(s), 0};
}
// A NaN from the network would break the sort's ordering: it sorts as -1.
Cell number(double n, std::string shown) {
  return {std::move(shown), std::isfinite(n) ? n : -1};
}
Cell count(std::uint64_t n) {
  return number(static_cast<double>(n), format_count(n));
}
Cell rate(double r) {
  return number(r, format_rate(r));
}
Cell age(TimeMs now, TimeMs since) {
  if (since <= 0) return number(-1, "-");
  return number(static_cast<double>(now - since), format_age_ms(now - since));
}
Cell percent(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", p);
  return number(p, buf);
}
Cell none() {
  return number(-1, "-");
}

std::uint64_t of(const std::uint64_t* counts, JobState s) {
  return counts[static_cast<std::size_t>(s)];
}

// The sample of node `id`, if it answered.
const protocol::ResourcesReply* sample_of(const TopData& d, const std::string& id) {
  for (const protocol::ResourcesReply& r : d.resources) {
    if (r.node == id) return &r;
  }
  return nullptr;
}

Table nodes_table(const TopData& d) {
  Table t;
  t.columns = {{"NODE", 8},       {"ADDRESS", 15},  {"ROLE", 9},       {"RUN", 4, true},
               {"FREE", 4, true}, {"LAG", 5, true}, {"CPU%", 5, true}, {"MEM", 6, true},
               {"LOAD", 5, true}, {"DRAIN", 5}};
  // Every node's running jobs are in the replicated state; free slots are
  // known to the node itself, and to the leader for every node.
  bool from_leader = false;
  for (const protocol::NodeSummary& n : d.nodes) from_leader |= n.self && n.role == "leader";
  for (const protocol::NodeSummary& n : d.nodes) {
    Row r;
    r.key = n.node;
    r.flag = n.draining;
    const protocol::ResourcesReply* res = sample_of(d, n.node);
    char load[16];
    if (res) std::snprintf(load, sizeof load, "%.2f", res->current.load1);
    r.cells = {text(n.node.substr(0, 8)),
               text(n.address),
               text(n.role),
               count(n.running),
               n.self || from_leader ? count(n.free_slots) : none(),
               n.lag ? count(*n.lag) : none(),
               res ? percent(res->current.cpu_percent) : none(),
               res ? number(static_cast<double>(res->current.mem_used_kb),
                            format_kib(res->current.mem_used_kb))
                   : none(),
               res ? number(res->current.load1, load) : none(),
               text(n.draining ? "yes" : "")};
    r.tone = n.draining               ? RowTone::warn
             : n.role == "leader"     ? RowTone::good
             : n.role == "discovered" ? RowTone::warn
                                      : RowTone::normal;
    t.rows.push_back(std::move(r));
  }
  return t;
}

Table queues_table(const TopData& d) {
  Table t;
  t.columns = {{"QUEUE", 12},       {"QUEUED", 6, true}, {"RUN", 4, true},    {"FAIL", 4, true},
               {"DEAD", 4, true},   {"DONE", 5, true},   {"PROC/S", 6, true}, {"FAIL/S", 6, true},
               {"OLDEST", 6, true}, {"QDISC", 8},        {"STATE", 6},        {"SCHED", 5, true}};
  for (const QueueStat& q : d.queues) {
    Row r;
    r.key = q.name;
    r.flag = q.paused;
    r.cells = {text(q.name),
               count(of(q.counts, JobState::queued)),
               count(of(q.counts, JobState::running)),
               count(of(q.counts, JobState::failed)),
               count(of(q.counts, JobState::dead)),
               count(of(q.counts, JobState::succeeded)),
               rate(q.processed_rate),
               rate(q.failed_rate),
               age(d.now, q.oldest_queued),
               text(q.qdisc),
               text(q.paused ? "paused" : "active"),
               count(of(q.counts, JobState::scheduled))};
    r.tone = q.paused                           ? RowTone::warn
             : of(q.counts, JobState::dead) > 0 ? RowTone::error
                                                : RowTone::normal;
    t.rows.push_back(std::move(r));
  }
  return t;
}

Table workers_table(const TopData& d) {
  Table t;
  t.columns = {{"PID", 7, true}, {"NODE", 8},       {"POOL", 10},     {"ROLE", 6},
               {"JOB", 16},      {"CPU%", 5, true}, {"RSS", 6, true}, {"TIME", 6, true}};
  for (const protocol::ResourcesReply& node : d.resources) {
    const std::string node_short = node.node.substr(0, 8);
    for (const protocol::WorkerResources& w : node.workers) {
      Row r;
      // Pids repeat across nodes: the node makes the key unique.
      r.key = node_short + ":" + std::to_string(w.pid);
      r.pool = w.pool;
      if (w.job != 0) r.job = format_job_id(w.job);
      auto started = d.job_started.find(w.job);
      r.cells = {
          number(static_cast<double>(w.pid), std::to_string(w.pid)),
          text(node_short),
          text(w.pool),
          text(w.role),
          text(r.job.empty() ? "-" : r.job),
          percent(w.cpu_percent),
          number(static_cast<double>(w.rss_kb), format_kib(w.rss_kb)),
          started == d.job_started.end() || w.job == 0 ? none() : age(d.now, started->second)};
      r.tone = w.job != 0 ? RowTone::good : RowTone::normal;
      t.rows.push_back(std::move(r));
    }
  }
  return t;
}

Table failed_table(const TopData& d) {
  Table t;
  const char* by = d.failed_by == GroupBy::queue       ? "QUEUE"
                   : d.failed_by == GroupBy::job_class ? "CLASS"
                                                       : "ERROR";
  t.columns = {{"COUNT", 7, true}, {by, 20}};
  for (const FailedGroup& g : d.failed) {
    Row r;
    r.key = g.key;
    r.cells = {count(g.count), text(g.key)};
    r.tone = RowTone::error;
    t.rows.push_back(std::move(r));
  }
  return t;
}

Table jobs_table(const TopData& d) {
  Table t;
  t.columns = {{"ID", 16},       {"QUEUE", 10},    {"CLASS", 10},    {"STATE", 9},
               {"ATT", 3, true}, {"AGE", 5, true}, {"ETA", 5, true}, {"ERROR", 10}};
  for (const JobRow& j : d.jobs) {
    Row r;
    r.key = format_job_id(j.id);
    Cell eta = none();
    if (j.eta_start && *j.eta_start >= 0) {  // no overflow below
      TimeMs in = *j.eta_start - d.now;
      eta = number(static_cast<double>(in), in <= 0 ? std::string("now") : format_age_ms(in));
    }
    r.cells = {text(r.key),
               text(j.queue),
               text(j.job_class),
               text(to_string(j.state)),
               count(j.attempts),
               age(d.now, j.created_at),
               eta,
               text(j.error)};
    r.tone = j.state == JobState::dead || j.state == JobState::killed ? RowTone::error
             : j.state == JobState::failed                            ? RowTone::warn
             : j.state == JobState::running                           ? RowTone::good
                                                                      : RowTone::normal;
    t.rows.push_back(std::move(r));
  }
  return t;
}

// When: "in 5m" ahead, "3s ago" behind. Numeric columns sort largest
// first: the last run newest first, the next run (soonest) soonest first,
// with "-" after every instant either way.
Cell instant(TimeMs now, std::optional<TimeMs> at, bool soonest = false) {
  if (!at || *at <= 0) return number(soonest ? -1e300 : -1, "-");
  const double key = soonest ? -static_cast<double>(*at) : static_cast<double>(*at);
  if (*at >= now) return number(key, "in " + format_age_ms(*at - now));
  return number(key, format_age_ms(now - *at) + " ago");
}

Table cron_table(const TopData& d) {
  Table t;
  // Narrow enough for 80 columns; the zone and the last run's result go
  // last, where a narrow screen drops them first.
  t.columns = {{"NAME", 11}, {"SCHEDULE", 12}, {"NEXT", 7, true}, {"LAST", 7, true},
               {"STATE", 6}, {"QUEUE", 8},     {"ZONE", 13},      {"RESULT", 8}};
  for (const CronRow& c : d.cron) {
    Row r;
    r.key = c.name;
    r.flag = c.paused;
    r.cells = {text(c.name),
               text(c.schedule),
               instant(d.now, c.next, true),
               instant(d.now, c.last_run ? std::optional<TimeMs>(c.last_run) : std::nullopt),
               text(c.paused ? "paused" : "active"),
               text(c.queue),
               text(c.zone.empty() ? "UTC" : c.zone),
               text(c.last_kind.empty() ? "-" : c.last_kind)};
    r.tone = c.paused                               ? RowTone::warn
             : c.last_kind.rfind("skipped", 0) == 0 ? RowTone::error
                                                    : RowTone::normal;
    t.rows.push_back(std::move(r));
  }
  return t;
}

}  // namespace

const char* pane_name(Pane pane) {
  switch (pane) {
    case Pane::nodes:
      return "Nodes";
    case Pane::queues:
      return "Queues";
    case Pane::workers:
      return "Workers";
    case Pane::failed:
      return "Failed";
    case Pane::jobs:
      return "Jobs";
    case Pane::cron:
      return "Cron";
  }
  return "?";
}

Table build_pane(Pane pane, const TopData& data) {
  switch (pane) {
    case Pane::nodes:
      return nodes_table(data);
    case Pane::queues:
      return queues_table(data);
    case Pane::workers:
      return workers_table(data);
    case Pane::failed:
      return failed_table(data);
    case Pane::jobs:
      return jobs_table(data);
    case Pane::cron:
      return cron_table(data);
  }
  return {};
}

std::size_t default_sort_column(Pane pane) {
  switch (pane) {
    case Pane::nodes:
    case Pane::queues:
    case Pane::workers:
    case Pane::jobs:
    case Pane::cron:
      return 0;
    case Pane::failed:
      return 0;  // COUNT, largest first
  }
  return 0;
}

}  // namespace desaster::top
