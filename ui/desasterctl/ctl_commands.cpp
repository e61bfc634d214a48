#include "ui/desasterctl/ctl_commands.hpp"

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/model/cron_entry.hpp"
#include "core/model/job_id.hpp"
#include "core/model/shell_command.hpp"
#include "transport/client/client.hpp"
#include "ui/common/durations.hpp"
#include "ui/common/json_writer.hpp"
#include "ui/desasterctl/ctl_actions.hpp"
#include "ui/desasterctl/ctl_assign.hpp"
#include "ui/desasterctl/ctl_assign_args.hpp"
#include "ui/desasterctl/ctl_cron.hpp"
#include "ui/desasterctl/ctl_digest.hpp"
#include "ui/desasterctl/ctl_monitor.hpp"
#include "ui/desasterctl/ctl_qdisc.hpp"
#include "ui/desasterctl/ctl_query.hpp"
#include "ui/desasterctl/ctl_recovery.hpp"
#include "ui/desasterctl/ctl_transfer.hpp"
#include "ui/desasterctl/ctl_upgrade.hpp"
#include "ui/desasterctl/ctl_watch.hpp"

namespace desaster {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;

int fail(const Status& status) {
  std::fprintf(stderr, "desasterctl: %s\n", status.message.c_str());
  return status.code == ErrorCode::unavailable ? kExitUnreachable : kExitRefused;
}

std::string one_line(std::string text, std::size_t width) {
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (text.size() > width) text = text.substr(0, width - 3) + "...";
  return text;
}

std::string what_it_runs(const Job& job) {
  if (job.kind != JobKind::shell) return job.job_class;
  Result<ShellCommand> command = decode_shell_command(job.payload);
  return command.ok() ? describe_shell_command(*command) : "?";
}

void print_job_table(const std::vector<Job>& jobs) {
  std::printf("%-16s  %-12s  %-9s  %3s  %-20s  %-28s  %s\n", "ID", "QUEUE", "STATE", "TRY",
              "CREATED", "COMMAND", "ERROR");
  for (const Job& job : jobs) {
    std::printf("%-16s  %-12s  %-9s  %3u  %-20s  %-28s  %s\n", format_job_id(job.id).c_str(),
                one_line(job.queue, 12).c_str(), to_string(job.state), job.attempts,
                format_time_ms(job.created_at).c_str(), one_line(what_it_runs(job), 28).c_str(),
                one_line(job.last_error, 40).c_str());
  }
}

void print_job_detail(const Job& job) {
  auto row = [](const char* name, const std::string& value) {
    std::printf("%-14s %s\n", name, value.c_str());
  };
  row("id", format_job_id(job.id));
  row("queue", job.queue);
  row("kind", to_string(job.kind));
  row("runs", what_it_runs(job));
  row("state", to_string(job.state));
  row("attempts",
      std::to_string(job.attempts) +
          (job.duplicate_runs ? " (" + std::to_string(job.duplicate_runs) + " duplicate runs)"
                              : ""));
  if (job.priority) row("priority", std::to_string(job.priority));
  if (!job.unique_key.empty()) row("unique", job.unique_key);
  if (std::optional<CronOrigin> cron = cron_origin(job.unique_key)) {
    row("cron",
        cron->name + (cron->manual ? " run by hand at " : " at ") + format_time_ms(cron->instant));
  }
  if (job.timeout_ms) row("timeout", format_duration_ms(job.timeout_ms));
  row("created", format_time_ms(job.created_at));
  if (job.run_at) row("run at", format_time_ms(job.run_at));
  if (job.started_at) row("started", format_time_ms(job.started_at));
  if (job.finished_at) row("finished", format_time_ms(job.finished_at));
  if (!job.worker.empty()) row("worker", job.worker);
  if (!job.pin_node.empty()) row("pin node", job.pin_node);
  if (!job.pin_pool.empty()) row("pin pool", job.pin_pool);
  if (job.started_at && job.state != JobState::queued)
    row("exit status", std::to_string(job.exit_status));
  if (!job.last_error.empty()) row("error", job.last_error);
  for (const Attempt& a : job.history) {
    std::printf("attempt %-6u %s  %s  exit %d  cpu %llu ms  rss %llu KiB  %s\n", a.number,
                format_time_ms(a.started_at).c_str(),
                format_duration_ms(a.finished_at - a.started_at).c_str(), a.exit_status,
                static_cast<unsigned long long>(a.cpu_ms),
                static_cast<unsigned long long>(a.max_rss_kb), one_line(a.error, 60).c_str());
  }
  if (!job.output_tail.empty()) {
    std::printf("output (tail):\n%s", job.output_tail.c_str());
    if (job.output_tail.back() != '\n') std::printf("\n");
  }
}

void print_jobs_json(const std::vector<Job>& jobs, JobId next, std::uint64_t total) {
  JsonWriter json;
  json.begin_object().key("jobs").begin_array();
  for (const Job& job : jobs) write_job_json(json, job);
  json.end_array();
  json.key("next").value(next ? format_job_id(next) : std::string());
  json.key("total").value(total);
  json.end_object();
  std::printf("%s\n", json.str().c_str());
}

Result<std::vector<JobId>> parse_ids(const std::vector<std::string>& texts) {
  std::vector<JobId> ids;
  for (const std::string& text : texts) {
    std::optional<JobId> id = parse_job_id(text);
    if (!id) return Status::error(ErrorCode::bad_request, "'" + text + "' is not a job id");
    ids.push_back(*id);
  }
  return ids;
}

void write_pool_json(JsonWriter& json, const PoolSummary& p) {
  const PoolSpec& spec = p.spec;
  json.begin_object().key("name").value(spec.name).key("node").value(spec.node);
  json.key("dir").value(spec.dir).key("require").begin_array();
  for (const std::string& file : spec.require_files) json.value(file);
  json.end_array().key("rackup").value(spec.rackup);
  json.key("min").value(spec.min_workers).key("max").value(spec.max_workers);
  json.key("queues").begin_array();
  for (const PoolQueue& q : spec.queues)
    json.begin_object().key("name").value(q.name).key("weight").value(q.weight).end_object();
  json.end_array().key("kinds").begin_array();
  for (JobKind kind : pool_kinds(spec)) json.value(to_string(kind));
  json.end_array();
  json.key("memory_limit_mb").value(spec.memory_limit_mb);
  json.key("cpu_limit_percent").value(spec.cpu_limit_percent);
  json.key("limit_grace_ms").value(pool_limit_grace_ms(spec));
  json.key("timeout_ms").value(pool_timeout_ms(spec)).key("generation").value(spec.generation);
  json.key("local").value(p.local);
  if (p.local) {
    json.key("master_state").value(p.master_state).key("master_pid").value(p.master_pid);
    json.key("running_generation").value(p.generation).key("last_error").value(p.last_error);
    json.key("target").value(p.target).key("waiting").value(p.waiting);
    json.key("spawned").value(p.spawned).key("died").value(p.died);
    json.key("killed_past_timeout").value(p.killed_past_timeout);
    json.key("replaced_over_memory").value(p.replaced_over_memory);
    json.key("replaced_over_cpu").value(p.replaced_over_cpu);
    json.key("killed_over_cpu").value(p.killed_over_cpu);
    json.key("killed_over_memory").value(p.killed_over_memory);
    json.key("jobs_done").value(p.jobs_done).key("workers").begin_array();
    for (const protocol::PoolWorkerSummary& w : p.workers) {
      json.begin_object().key("slot").value(w.slot).key("pid").value(w.pid);
      json.key("state").value(w.state);
      json.key("job").value(w.job ? format_job_id(w.job) : std::string());
      json.key("rss_kb").value(w.rss_kb).key("restarts").value(w.restarts);
      json.key("outdated").value(w.outdated).end_object();
    }
    json.end_array();
  }
  json.end_object();
}

void print_pools(const std::vector<PoolSummary>& pools) {
  for (const PoolSummary& p : pools) {
    const PoolSpec& spec = p.spec;
    std::string queues;
    for (const PoolQueue& q : spec.queues)
      queues += (queues.empty() ? "" : ",") + q.name +
                (q.weight != 1 ? ":" + std::to_string(q.weight) : "");
    std::printf("pool %s  %u..%u workers  queues %s  dir %s  generation %llu%s\n",
                spec.name.c_str(), spec.min_workers, spec.max_workers,
                queues.empty() ? "*" : queues.c_str(), spec.dir.c_str(),
                static_cast<unsigned long long>(spec.generation),
                spec.node.empty() ? "" : ("  node " + spec.node).c_str());
    if (!p.local) {
      std::printf("  (not on this node)\n");
      continue;
    }
    std::printf(
        "  master %s pid %lld; %llu jobs done, %llu waiting, %llu died, %llu killed past "
        "timeout; over memory %llu replaced, %llu killed; over CPU %llu replaced, %llu "
        "killed\n",
        p.master_state.c_str(), static_cast<long long>(p.master_pid),
        static_cast<unsigned long long>(p.jobs_done), static_cast<unsigned long long>(p.waiting),
        static_cast<unsigned long long>(p.died),
        static_cast<unsigned long long>(p.killed_past_timeout),
        static_cast<unsigned long long>(p.replaced_over_memory),
        static_cast<unsigned long long>(p.killed_over_memory),
        static_cast<unsigned long long>(p.replaced_over_cpu),
        static_cast<unsigned long long>(p.killed_over_cpu));
    if (!p.last_error.empty())
      std::printf("  last error: %s\n", one_line(p.last_error, 200).c_str());
    std::printf("  %4s  %8s  %-8s  %-16s  %9s  %8s\n", "SLOT", "PID", "STATE", "JOB", "RSS KIB",
                "RESTARTS");
    for (const protocol::PoolWorkerSummary& w : p.workers) {
      std::printf(
          "  %4u  %8lld  %-8s  %-16s  %9llu  %8u%s\n", w.slot, static_cast<long long>(w.pid),
          w.state.c_str(), w.job ? format_job_id(w.job).c_str() : "-",
          static_cast<unsigned long long>(w.rss_kb), w.restarts, w.outdated ? "  (old load)" : "");
    }
  }
}

int run_pool(Client& client, const CtlArgs& args) {
  const protocol::PoolCommand& command = args.pool;
  Status status;
  switch (command.action) {
    case protocol::PoolAction::list: {
      auto pools = client.pools();
      if (!pools.ok()) return fail(pools.status());
      if (args.json) {
        JsonWriter json;
        json.begin_array();
        for (const PoolSummary& p : *pools) write_pool_json(json, p);
        json.end_array();
        std::printf("%s\n", json.str().c_str());
      } else {
        print_pools(*pools);
        print_assignments(client);
      }
      return kExitOk;
    }
    case protocol::PoolAction::add:
      status = client.pool_add(*command.spec);
      break;
    case protocol::PoolAction::remove:
      status = client.pool_remove(command.name);
      break;
    case protocol::PoolAction::reload:
      status = client.pool_reload(command.name);
      break;
  }
  if (!status.ok()) return fail(status);
  if (args.json) std::printf("{\"ok\":true}\n");
  return kExitOk;
}

// Each node's 1-minute load average, asked of the node itself ("resources"):
// the node answering "nodes" knows only its own. The peers are asked all at
// once, each on its own connection, so a peer that is down (just killed, a
// failover under way) costs the listing one timeout of a second at most,
// not one per peer; it is left out.
std::map<std::string, double> loads_of(Client& client, const CtlArgs& args,
                                       const std::vector<protocol::NodeSummary>& nodes) {
  protocol::Resources now_only;
  now_only.series = "none";
  std::vector<std::optional<double>> peer_loads(nodes.size());
  std::vector<std::thread> askers;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const protocol::NodeSummary& n = nodes[i];
    if (n.self || n.address.empty() || n.port < 2) continue;
    ClientOptions options;
    options.endpoint = "tcp://" + n.address + ":" + std::to_string(n.port - 2);  // client port
    options.timeout = std::chrono::seconds(1);
    options.name = "desasterctl";
    options.group_key = args.group_key;
    askers.emplace_back([options, now_only, load = &peer_loads[i]] {
      auto peer = Client::connect(options);
      if (!peer.ok()) return;
      if (auto r = (*peer)->resources(now_only); r.ok()) *load = r->current.load1;
    });
  }
  std::map<std::string, double> loads;
  for (const protocol::NodeSummary& n : nodes) {
    if (!n.self) continue;
    if (auto r = client.resources(now_only); r.ok()) loads[n.node] = r->current.load1;
  }
  for (std::thread& asker : askers) asker.join();
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (peer_loads[i]) loads[nodes[i].node] = *peer_loads[i];
  return loads;
}

int run_nodes(Client& client, const CtlArgs& args) {
  const bool as_json = args.json;
  auto reply = client.nodes();
  if (!reply.ok()) return fail(reply.status());
  const std::map<std::string, double> loads = loads_of(client, args, reply->nodes);
  auto load_text = [&](const std::string& node) {
    auto it = loads.find(node);
    if (it == loads.end()) return std::string("-");
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", it->second);
    return std::string(buffer);
  };
  // Free slots of other nodes are known to the leader only.
  bool answered_by_leader = false;
  for (const protocol::NodeSummary& n : reply->nodes)
    answered_by_leader |= n.self && n.role == "leader";
  if (as_json) {
    JsonWriter json;
    json.begin_object().key("mode").value(reply->mode);
    json.key("beacons_dropped").value(reply->beacons_dropped).key("nodes").begin_array();
    for (const protocol::NodeSummary& n : reply->nodes) {
      json.begin_object().key("node").value(n.node).key("address").value(n.address);
      json.key("port").value(unsigned{n.port}).key("role").value(n.role);
      json.key("self").value(n.self).key("term").value(n.term).key("index").value(n.index);
      json.key("last_seen_ms").value(n.last_seen_ms).key("running").value(n.running);
      json.key("free_slots").value(n.free_slots).key("draining").value(n.draining);
      json.key("commit").value(n.commit);
      if (n.lag) json.key("lag").value(*n.lag);
      if (auto load = loads.find(n.node); load != loads.end()) {
        json.key("load1").value(load->second);
      }
      json.end_object();
    }
    json.end_array().end_object();
    std::printf("%s\n", json.str().c_str());
    return kExitOk;
  }
  std::printf("%-10s %-22s %-8s %6s %10s %10s %6s %8s %5s %6s\n", "NODE", "ADDRESS", "ROLE", "TERM",
              "INDEX", "COMMIT", "LAG", "RUNNING", "FREE", "LOAD");
  for (const protocol::NodeSummary& n : reply->nodes) {
    const std::string where = n.address.empty() ? "?" : n.address + ":" + std::to_string(n.port);
    const std::string lag = n.lag ? std::to_string(*n.lag) : "-";
    if (n.self) {
      std::printf("%-10s %-22s %-8s %6llu %10llu %10llu %6s %8u %5u %6s\n",
                  (n.node.substr(0, 8) + "*").c_str(), where.c_str(), n.role.c_str(),
                  static_cast<unsigned long long>(n.term), static_cast<unsigned long long>(n.index),
                  static_cast<unsigned long long>(n.commit), lag.c_str(), n.running, n.free_slots,
                  load_text(n.node).c_str());
    } else {
      // Running jobs per node are replicated state; free slots the leader's.
      const std::string free = answered_by_leader ? std::to_string(n.free_slots) : "-";
      std::printf("%-10s %-22s %-8s %6s %10s %10s %6s %8u %5s %6s\n", n.node.substr(0, 8).c_str(),
                  where.c_str(), n.role.c_str(), "-", "-", "-", lag.c_str(), n.running,
                  free.c_str(), load_text(n.node).c_str());
    }
  }
  for (const protocol::NodeSummary& n : reply->nodes)
    if (n.draining) std::printf("%s is draining: no new leases\n", n.node.substr(0, 8).c_str());
  std::printf("(%s; * = the node answering; %llu beacons dropped)\n", reply->mode.c_str(),
              static_cast<unsigned long long>(reply->beacons_dropped));
  return kExitOk;
}

int run_with(Client& client, const CtlArgs& args) {
  const std::string& c = args.command;
  if (c == "enqueue") {
    if (args.wait) {
      auto result = client.submit_and_wait({args.job}, std::chrono::milliseconds(0));
      if (!result.ok()) return fail(result.status());
      if (!result->errors.empty() && !result->errors[0].ok()) return fail(result->errors[0]);
      if (result->jobs.empty() || !result->jobs[0]) {
        return fail(Status::error(ErrorCode::not_found, "the job is gone"));
      }
      const Job& job = *result->jobs[0];
      if (args.json) {
        JsonWriter json;
        write_job_json(json, job);
        std::printf("%s\n", json.str().c_str());
      } else {
        std::fputs(job.output_tail.c_str(), stdout);
        std::fprintf(stderr, "%s %s\n", format_job_id(job.id).c_str(), to_string(job.state));
      }
      return job.state == JobState::succeeded ? kExitOk : kExitRefused;
    }
    auto id = client.enqueue(args.job);
    if (!id.ok()) return fail(id.status());
    if (args.json) {
      JsonWriter json;
      json.begin_object().key("id").value(format_job_id(*id)).end_object();
      std::printf("%s\n", json.str().c_str());
    } else {
      std::printf("%s\n", format_job_id(*id).c_str());
    }
    return kExitOk;
  }
  if (c == "job") {
    auto ids = parse_ids(args.ids);
    if (!ids.ok()) return fail(ids.status());
    auto reply = client.get_with_eta(ids->front());
    if (!reply.ok()) return fail(reply.status());
    const Job& job = reply->job;
    std::optional<JobEtaView> eta;
    if (reply->eta) eta = JobEtaView{reply->eta->start_ms, reply->eta->finish_ms};
    if (args.json) {
      JsonWriter json;
      write_job_json(json, job, eta ? &*eta : nullptr);
      std::printf("%s\n", json.str().c_str());
    } else {
      print_job_detail(job);
      if (!job.flow.empty()) std::printf("%-14s %s\n", "flow", job.flow.c_str());
      if (reply->eta) {
        std::printf("%-14s %s\n", "eta", describe_eta(*reply->eta, wall_clock_ms()).c_str());
      }
      if (std::string why = pin_wait_reason(client, job); !why.empty())
        std::printf("%-14s %s\n", "waiting", why.c_str());
    }
    return kExitOk;
  }
  if (c == "jobs" || c == "failed") return run_query_command(client, args);
  if (is_action_command(c)) return run_action(client, args);
  if (c == "wait") {
    auto ids = parse_ids(args.ids);
    if (!ids.ok()) return fail(ids.status());
    auto jobs = client.wait(*ids, std::chrono::milliseconds(0));
    if (!jobs.ok()) return fail(jobs.status());
    std::vector<Job> found;
    for (const auto& job : *jobs)
      if (job) found.push_back(*job);
    if (args.json) {
      print_jobs_json(found, 0, found.size());
    } else {
      print_job_table(found);
    }
    for (const Job& job : found)
      if (job.state != JobState::succeeded) return kExitRefused;
    return found.size() == ids->size() ? kExitOk : kExitRefused;
  }
  if (c == "queues") {
    auto queues = client.queues();
    if (!queues.ok()) return fail(queues.status());
    if (args.json) {
      JsonWriter json;
      json.begin_array();
      for (const QueueSummary& q : *queues) {
        json.begin_object().key("name").value(q.name).key("paused").value(q.paused);
        json.key("qdisc").value(q.qdisc);
        json.key("counts").begin_object();
        for (int s = 0; s < 7; ++s)
          json.key(to_string(static_cast<JobState>(s))).value(q.counts[s]);
        json.end_object().end_object();
      }
      json.end_array();
      std::printf("%s\n", json.str().c_str());
    } else {
      std::printf("%-20s %-7s %-8s %9s %9s %9s %9s %9s %9s %9s\n", "QUEUE", "PAUSED", "QDISC",
                  "SCHEDULED", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "DEAD", "KILLED");
      for (const QueueSummary& q : *queues) {
        std::printf("%-20s %-7s %-8s", one_line(q.name, 20).c_str(), q.paused ? "yes" : "no",
                    q.qdisc.c_str());
        for (int s = 0; s < 7; ++s)
          std::printf(" %9llu", static_cast<unsigned long long>(q.counts[s]));
        std::printf("\n");
      }
    }
    return kExitOk;
  }
  if (c == "queue") {
    Status s = client.queue_command(args.queue);
    if (!s.ok()) return fail(s);
    if (args.json) std::printf("{\"ok\":true}\n");
    return kExitOk;
  }
  if (c == "pool") return run_pool(client, args);
  if (c == "qdisc") return run_qdisc(client, args);
  if (c == "cron") return run_cron(client, args);
  if (c == "force-recovery") return run_force_recovery(client, args);
  if (c == "upgrade") return run_upgrade(client, args);
  if (c == "transfer-leadership") return run_transfer_leadership(client, args);
  if (c == "nodes") return run_nodes(client, args);
  if (is_assign_command(c)) return run_assign_command(client, args);
  if (c == "stats") return run_stats(client, args);
  if (c == "resources") return run_resources(client, args);
  if (c == "blacklist") return run_blacklist(client, args);
  std::fprintf(stderr, "desasterctl: unknown command '%s'\n", c.c_str());
  return kExitUsage;
}

}  // namespace

int run_ctl_command(const CtlArgs& args) {
  // watch talks to the state feed, not through a Client.
  if (args.command == "watch") return run_watch(args);
  if (args.command == "digest") return run_digest(args);
  ClientOptions options;
  options.endpoint = args.endpoint;
  options.timeout = std::chrono::milliseconds(args.timeout_ms);
  options.name = "desasterctl";
  options.group_key = args.group_key;
  auto client = Client::connect(options);
  if (!client.ok()) return fail(client.status());
  return run_with(**client, args);
}

}  // namespace desaster
