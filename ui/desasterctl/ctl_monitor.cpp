#include "ui/desasterctl/ctl_monitor.hpp"

#include <cstdio>
#include <string>

#include "core/model/job_id.hpp"
#include "ui/common/durations.hpp"
#include "ui/common/json_writer.hpp"

namespace desaster {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUnreachable = 3;

int fail(const Status& status) {
  std::fprintf(stderr, "desasterctl: %s\n", status.message.c_str());
  return status.code == ErrorCode::unavailable ? kExitUnreachable : kExitRefused;
}

std::string mib(std::uint64_t kb) {
  char buffer[32];
  if (kb >= 10u * 1024 * 1024) {
    std::snprintf(buffer, sizeof buffer, "%.1f GiB", static_cast<double>(kb) / (1024.0 * 1024.0));
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f MiB", static_cast<double>(kb) / 1024.0);
  }
  return buffer;
}

std::string short_node(const std::string& node) {
  return node.size() > 8 ? node.substr(0, 8) : node;
}

void write_resources_json(JsonWriter& json, const protocol::ResourcesReply& r) {
  json.begin_object();
  json.key("node").value(r.node).key("samples").value(r.samples);
  const protocol::NodeResources& c = r.current;
  json.key("current").begin_object();
  json.key("at").value(c.at).key("cpu_percent").value(c.cpu_percent);
  json.key("mem_used_kb").value(c.mem_used_kb).key("mem_total_kb").value(c.mem_total_kb);
  json.key("load1").value(c.load1).key("load5").value(c.load5).key("load15").value(c.load15);
  json.end_object();
  json.key("workers").begin_array();
  for (const protocol::WorkerResources& w : r.workers) {
    json.begin_object().key("pid").value(w.pid).key("pool").value(w.pool);
    json.key("role").value(w.role);
    json.key("job");
    if (w.job) {
      json.value(format_job_id(w.job));
    } else {
      json.null();
    }
    json.key("cpu_percent").value(w.cpu_percent).key("rss_kb").value(w.rss_kb).end_object();
  }
  json.end_array();
  json.key("jobs_run").begin_array();
  for (const auto& [node, count] : r.jobs_run) {
    json.begin_object().key("node").value(node).key("count").value(count).end_object();
  }
  json.end_array();
  const protocol::ShellLimits& l = r.shell_limits;
  json.key("shell_limits").begin_object();
  json.key("memory_mb").value(l.memory_mb).key("cpu_percent").value(l.cpu_percent);
  json.key("grace_ms").value(l.grace_ms).key("killed_over_memory").value(l.killed_over_memory);
  json.key("killed_over_cpu").value(l.killed_over_cpu).end_object();
  json.key("series").value(r.series);
  json.key("history").begin_array();
  for (const protocol::ResourcePoint& p : r.history) {
    json.begin_object().key("at").value(p.at).key("samples").value(p.samples);
    json.key("cpu").value(p.cpu).key("cpu_max").value(p.cpu_max);
    json.key("mem_kb").value(p.mem_kb).key("mem_max_kb").value(p.mem_max_kb);
    json.key("load1").value(p.load1).key("load1_max").value(p.load1_max).end_object();
  }
  json.end_array();
  json.end_object();
}

void print_top(const protocol::ResourcesReply& r) {
  const protocol::NodeResources& c = r.current;
  std::printf("node %s  cpu %5.1f%%  mem %s / %s  load %.2f %.2f %.2f\n",
              short_node(r.node).c_str(), c.cpu_percent, mib(c.mem_used_kb).c_str(),
              mib(c.mem_total_kb).c_str(), c.load1, c.load5, c.load15);
  std::printf("\njobs run per node:\n");
  if (r.jobs_run.empty()) std::printf("  (none yet)\n");
  for (const auto& [node, count] : r.jobs_run) {
    std::printf("  %-32s %llu\n", node.c_str(), static_cast<unsigned long long>(count));
  }
  const protocol::ShellLimits& l = r.shell_limits;
  if (l.memory_mb != 0 || l.cpu_percent != 0 || l.killed_over_memory + l.killed_over_cpu != 0) {
    std::printf(
        "\nshell job limits: memory %s, CPU %s, grace %u s; killed %llu over memory, %llu "
        "over CPU\n",
        l.memory_mb ? (std::to_string(l.memory_mb) + " MiB").c_str() : "none",
        l.cpu_percent ? (std::to_string(l.cpu_percent) + " %").c_str() : "none", l.grace_ms / 1000,
        static_cast<unsigned long long>(l.killed_over_memory),
        static_cast<unsigned long long>(l.killed_over_cpu));
  }
  std::printf("\n%8s  %-16s  %-7s  %-16s  %6s  %10s\n", "PID", "POOL", "ROLE", "JOB", "CPU%",
              "RSS");
  for (const protocol::WorkerResources& w : r.workers) {
    std::printf("%8lld  %-16s  %-7s  %-16s  %6.1f  %10s\n", static_cast<long long>(w.pid),
                w.pool.c_str(), w.role.c_str(), w.job ? format_job_id(w.job).c_str() : "-",
                w.cpu_percent, mib(w.rss_kb).c_str());
  }
}

}  // namespace

int run_stats(Client& client, const CtlArgs& args) {
  auto stats = client.stats_json();
  if (!stats.ok()) return fail(stats.status());
  protocol::Resources now_only;
  now_only.series = "none";
  auto resources = client.resources(now_only);
  if (!resources.ok()) {
    if (resources.status().code != ErrorCode::bad_request) return fail(resources.status());
    // A node from before resource monitoring: its counters alone.
    std::printf("%s\n", stats->c_str());
    return kExitOk;
  }
  if (args.json) {
    // The counters' object as before, with the resource view added.
    JsonWriter json;
    write_resources_json(json, *resources);
    std::string out = *stats;
    std::size_t close = out.rfind('}');
    if (close == std::string::npos) return fail(Status::error(ErrorCode::internal, "bad stats"));
    bool empty = out.find_first_not_of(" \n\t{", 0) == close;
    out.insert(close, std::string(empty ? "" : ",") + "\"resources\":" + json.str());
    std::printf("%s\n", out.c_str());
    return kExitOk;
  }
  print_top(*resources);
  std::printf("\ncounters: %s\n", stats->c_str());
  return kExitOk;
}

int run_resources(Client& client, const CtlArgs& args) {
  auto r = client.resources(args.resources);
  if (!r.ok()) return fail(r.status());
  if (args.json) {
    JsonWriter json;
    write_resources_json(json, *r);
    std::printf("%s\n", json.str().c_str());
    return kExitOk;
  }
  print_top(*r);
  std::printf("\nhistory (%s, %zu points):\n", r->series.c_str(), r->history.size());
  std::printf("%-20s  %7s  %7s  %10s  %10s  %6s  %6s\n", "AT", "CPU%", "MAX", "MEM", "MEM MAX",
              "LOAD1", "MAX");
  for (const protocol::ResourcePoint& p : r->history) {
    std::printf("%-20s  %7.1f  %7.1f  %10s  %10s  %6.2f  %6.2f\n", format_time_ms(p.at).c_str(),
                p.cpu, p.cpu_max, mib(p.mem_kb).c_str(), mib(p.mem_max_kb).c_str(), p.load1,
                p.load1_max);
  }
  return kExitOk;
}

int run_blacklist(Client& client, const CtlArgs& args) {
  const protocol::BlacklistCommand& b = args.blacklist;
  if (b.action == protocol::BlacklistAction::clear) {
    Status s = client.blacklist_clear(b.queue, b.identity);
    if (!s.ok()) return fail(s);
    if (args.json) std::printf("{\"ok\":true}\n");
    return kExitOk;
  }
  if (b.action == protocol::BlacklistAction::window) {
    Status s = client.set_dedup_window(b.queue, b.window_ms);
    if (!s.ok()) return fail(s);
    if (args.json) std::printf("{\"ok\":true}\n");
    return kExitOk;
  }
  auto list = client.blacklist(b.queue, b.search, b.limit);
  if (!list.ok()) return fail(list.status());
  if (args.json) {
    JsonWriter json;
    json.begin_array();
    for (const protocol::BlacklistQueue& q : list->queues) {
      json.begin_object().key("queue").value(q.queue).key("window_ms").value(q.window_ms);
      json.key("rejections").value(q.rejections).key("entries").begin_array();
      for (const protocol::BlacklistItem& e : q.entries) {
        json.begin_object().key("identity").value(e.identity);
        json.key("job").value(format_job_id(e.job)).key("seen_at").value(e.seen_at);
        json.key("expires_at").value(e.expires_at).key("processed").value(e.processed);
        json.end_object();
      }
      json.end_array().end_object();
    }
    json.end_array();
    std::printf("%s\n", json.str().c_str());
    return kExitOk;
  }
  for (const protocol::BlacklistQueue& q : list->queues) {
    std::printf(
        "queue %s: window %s, %llu rejected, %zu listed\n", q.queue.c_str(),
        q.window_ms ? format_duration_ms(static_cast<std::int64_t>(q.window_ms)).c_str() : "off",
        static_cast<unsigned long long>(q.rejections), q.entries.size());
    if (q.entries.empty()) continue;
    std::printf("  %-40s  %-16s  %-9s  %-20s  %s\n", "IDENTITY", "JOB", "SEEN", "AT", "EXPIRES");
    for (const protocol::BlacklistItem& e : q.entries) {
      std::printf("  %-40s  %-16s  %-9s  %-20s  %s\n", e.identity.c_str(),
                  format_job_id(e.job).c_str(), e.processed ? "processed" : "enqueued",
                  format_time_ms(e.seen_at).c_str(), format_time_ms(e.expires_at).c_str());
    }
  }
  if (list->queues.empty()) std::printf("no queue has a de-duplication window\n");
  return kExitOk;
}

}  // namespace desaster
