#include "ui/desasterctl/ctl_args.hpp"

#include <charconv>
#include <chrono>

#include "core/model/shell_command.hpp"
#include "ui/common/durations.hpp"
#include "ui/desasterctl/ctl_actions.hpp"
#include "ui/desasterctl/ctl_assign_args.hpp"
#include "ui/desasterctl/ctl_cron.hpp"
#include "ui/desasterctl/ctl_monitor_args.hpp"
#include "ui/desasterctl/ctl_query_args.hpp"

namespace desaster {

namespace {

Status bad(const std::string& message) {
  return Status::error(ErrorCode::bad_request, message);
}

template <typename Int>
bool parse_int(const std::string& text, Int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

// Walks the arguments of one command: options first, then operands.
class ArgCursor {
 public:
  ArgCursor(const std::vector<std::string>& args, std::size_t pos) : args_(args), pos_(pos) {}
  bool done() const { return pos_ >= args_.size(); }
  const std::string& peek() const { return args_[pos_]; }
  std::string take() { return args_[pos_++]; }
  Result<std::string> value_of(const std::string& flag) {
    if (done()) return bad(flag + " needs a value");
    return take();
  }

 private:
  const std::vector<std::string>& args_;
  std::size_t pos_;
};

TimeMs now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string normalize_endpoint(const std::string& text) {
  if (text.find("://") != std::string::npos) return text;
  if (text.find(':') == std::string::npos) return "tcp://" + text + ":2691";
  return "tcp://" + text;
}

Status parse_enqueue(ArgCursor& cur, CtlArgs& out) {
  bool use_shell = false;
  ShellCommand command;
  while (!cur.done()) {
    std::string arg = cur.take();
    if (arg == "--") break;
    Result<std::string> v = std::string();
    if (arg == "--queue" || arg == "-q" || arg == "--in" || arg == "--at" || arg == "--unique" ||
        arg == "--priority" || arg == "--timeout" || arg == "--max-attempts" || arg == "--cwd" ||
        arg == "--env" || arg == "--pin-node" || arg == "--pin-pool" || arg == "--flow") {
      v = cur.value_of(arg);
      if (!v.ok()) return v.status();
    }
    if (arg == "--queue" || arg == "-q") {
      out.job.queue = *v;
    } else if (arg == "--in") {
      auto ms = parse_duration_ms(*v);
      if (!ms.ok()) return bad("--in: " + ms.status().message);
      out.job.in_ms = *ms;
    } else if (arg == "--at") {
      auto at = parse_time_ms(*v);
      if (!at.ok()) return bad("--at: " + at.status().message);
      out.job.run_at = *at;
    } else if (arg == "--unique") {
      out.job.unique_key = *v;
    } else if (arg == "--priority") {
      if (!parse_int(*v, out.job.priority)) return bad("--priority: '" + *v + "' is not a number");
    } else if (arg == "--timeout") {
      auto ms = parse_duration_ms(*v);
      if (!ms.ok() || *ms > 0xffffffffll) return bad("--timeout: '" + *v + "' is not a duration");
      out.job.timeout_ms = static_cast<std::uint32_t>(*ms);
    } else if (arg == "--max-attempts") {
      if (!parse_int(*v, out.job.retry.max_attempts) || out.job.retry.max_attempts == 0) {
        return bad("--max-attempts: '" + *v + "' is not a number from 1");
      }
    } else if (arg == "--cwd") {
      command.cwd = *v;
    } else if (arg == "--env") {
      auto eq = v->find('=');
      if (eq == std::string::npos || eq == 0) return bad("--env: '" + *v + "' is not NAME=VALUE");
      command.env[v->substr(0, eq)] = v->substr(eq + 1);
    } else if (arg == "--pin-node") {
      out.job.pin_node = *v;
    } else if (arg == "--pin-pool") {
      out.job.pin_pool = *v;
    } else if (arg == "--flow") {
      out.job.flow = *v;
    } else if (arg == "--sh") {
      use_shell = true;
    } else if (arg == "--wait") {
      out.wait = true;
    } else {
      return bad("enqueue: unknown option '" + arg + "' (the command goes after --)");
    }
  }
  std::vector<std::string> words;
  while (!cur.done()) words.push_back(cur.take());
  if (words.empty())
    return bad("enqueue: no command given (desasterctl enqueue [options] -- CMD ARGS...)");
  if (use_shell) {
    for (const std::string& w : words) command.sh += (command.sh.empty() ? "" : " ") + w;
  } else {
    command.argv = std::move(words);
  }
  out.job.kind = JobKind::shell;
  out.job.payload = encode_shell_command(command);
  return {};
}

Status parse_queue(ArgCursor& cur, CtlArgs& out) {
  if (cur.done()) return bad("queue: which action? (create, pause, resume, clear, delete)");
  std::string action = cur.take();
  if (action == "create")
    out.queue.action = protocol::QueueAction::create;
  else if (action == "pause")
    out.queue.action = protocol::QueueAction::pause;
  else if (action == "resume")
    out.queue.action = protocol::QueueAction::resume;
  else if (action == "clear")
    out.queue.action = protocol::QueueAction::clear;
  else if (action == "delete")
    out.queue.action = protocol::QueueAction::remove;
  else
    return bad("queue: unknown action '" + action + "' (create, pause, resume, clear, delete)");
  if (cur.done()) return bad("queue " + action + ": which queue?");
  out.queue.name = cur.take();
  while (!cur.done()) {
    std::string arg = cur.take();
    if (out.queue.action != protocol::QueueAction::create) {
      return bad("queue " + action + ": unexpected argument '" + arg + "'");
    }
    auto v = cur.value_of(arg);
    if (!v.ok()) return v.status();
    QueueConfig& config = out.queue.config.emplace(out.queue.config.value_or(QueueConfig{}));
    if (arg == "--max-attempts") {
      if (!parse_int(*v, config.retry.max_attempts) || config.retry.max_attempts == 0) {
        return bad("--max-attempts: '" + *v + "' is not a number from 1");
      }
    } else if (arg == "--backoff" || arg == "--backoff-max" || arg == "--retention" ||
               arg == "--dedup") {
      auto ms = parse_duration_ms(*v);
      if (!ms.ok()) return bad(arg + ": " + ms.status().message);
      if (arg == "--retention") {
        config.retention_ms = static_cast<std::uint64_t>(*ms);
      } else if (arg == "--dedup") {
        if (*ms < 0) return bad("--dedup: '" + *v + "' is not a duration");
        config.dedup_window_ms = static_cast<std::uint64_t>(*ms);
      } else if (*ms > 0xffffffffll) {
        return bad(arg + ": '" + *v + "' is too long");
      } else if (arg == "--backoff") {
        config.retry.backoff_base_ms = static_cast<std::uint32_t>(*ms);
      } else {
        config.retry.backoff_max_ms = static_cast<std::uint32_t>(*ms);
      }
    } else {
      return bad("queue create: unknown option '" + arg + "'");
    }
  }
  return {};
}

// pool add NAME --dir DIR [--require FILE]... [--rackup CONFIG_RU] [--min N] [--max N]
//   [--queue Q[:WEIGHT]]... [--kind ruby|http]... [--memory MB] [--timeout 30m] [--node N]
Status parse_pool_add(ArgCursor& cur, PoolSpec& spec) {
  bool max_given = false;
  while (!cur.done()) {
    std::string arg = cur.take();
    auto v = cur.value_of(arg);
    if (!v.ok()) return v.status();
    if (arg == "--dir") {
      spec.dir = *v;
    } else if (arg == "--require" || arg == "-r") {
      spec.require_files.push_back(*v);
    } else if (arg == "--rackup") {
      spec.rackup = *v;
    } else if (arg == "--min" || arg == "--max") {
      std::uint32_t n = 0;
      if (!parse_int(*v, n)) return bad(arg + ": '" + *v + "' is not a number");
      (arg == "--min" ? spec.min_workers : spec.max_workers) = n;
      if (arg == "--max") max_given = true;
    } else if (arg == "--queue" || arg == "-q") {
      PoolQueue queue{*v, 1};
      if (auto colon = v->rfind(':'); colon != std::string::npos && colon + 1 < v->size() &&
                                      parse_int(v->substr(colon + 1), queue.weight)) {
        queue.name = v->substr(0, colon);
      }
      spec.queues.push_back(queue);
    } else if (arg == "--kind") {
      JobKind kind{};
      if (!job_kind_from_string(*v, kind)) return bad("--kind: '" + *v + "' is not ruby or http");
      spec.kinds.push_back(kind);
    } else if (arg == "--memory") {
      if (!parse_int(*v, spec.memory_limit_mb)) return bad("--memory: '" + *v + "' is not MiB");
    } else if (arg == "--cpu") {
      if (!parse_int(*v, spec.cpu_limit_percent) || spec.cpu_limit_percent == 0) {
        return bad("--cpu: '" + *v + "' is not a percentage of one CPU from 1");
      }
    } else if (arg == "--limit-grace" || arg == "--cpu-grace") {  // --cpu-grace: its first name
      auto ms = parse_duration_ms(*v);
      if (!ms.ok() || *ms <= 0 || *ms > 0xffffffffll)
        return bad(arg + ": '" + *v + "' is not a duration");
      spec.limit_grace_ms = static_cast<std::uint32_t>(*ms);
    } else if (arg == "--timeout") {
      auto ms = parse_duration_ms(*v);
      if (!ms.ok() || *ms <= 0 || *ms > 0xffffffffll)
        return bad("--timeout: '" + *v + "' is not a duration");
      spec.timeout_ms = static_cast<std::uint32_t>(*ms);
    } else if (arg == "--node") {
      spec.node = *v;
    } else {
      return bad("pool add: unknown option '" + arg + "'");
    }
  }
  // --min alone above the default max means "exactly that many".
  if (!max_given && spec.max_workers < spec.min_workers) spec.max_workers = spec.min_workers;
  if (std::string why = check_pool_spec(spec); !why.empty()) return bad("pool add: " + why);
  return {};
}

Status parse_pool(ArgCursor& cur, CtlArgs& out) {
  if (cur.done()) return bad("pool: which action? (add, remove, reload, list)");
  std::string action = cur.take();
  protocol::PoolCommand& pool = out.pool;
  if (action == "list") {
    pool.action = protocol::PoolAction::list;
    if (!cur.done()) return bad("pool list: unexpected argument '" + cur.peek() + "'");
    return {};
  }
  if (action == "add") {
    pool.action = protocol::PoolAction::add;
  } else if (action == "remove" || action == "delete") {
    pool.action = protocol::PoolAction::remove;
  } else if (action == "reload") {
    pool.action = protocol::PoolAction::reload;
  } else {
    return bad("pool: unknown action '" + action + "' (add, remove, reload, list)");
  }
  if (cur.done() || cur.peek().starts_with("-")) return bad("pool " + action + ": which pool?");
  pool.name = cur.take();
  if (pool.action != protocol::PoolAction::add) {
    if (!cur.done()) return bad("pool " + action + ": unexpected argument '" + cur.peek() + "'");
    return {};
  }
  PoolSpec spec;
  spec.name = pool.name;
  if (Status s = parse_pool_add(cur, spec); !s.ok()) return s;
  pool.spec = std::move(spec);
  return {};
}

}  // namespace

Result<CtlArgs> parse_ctl_args(const std::vector<std::string>& raw) {
  CtlArgs out;
  // --json may stand anywhere before a "--" (desasterctl jobs --json).
  std::vector<std::string> args;
  bool after_separator = false;
  for (const std::string& arg : raw) {
    if (arg == "--") after_separator = true;
    if (!after_separator && arg == "--json") {
      out.json = true;
      continue;
    }
    args.push_back(arg);
  }
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.empty() || arg[0] != '-') break;
    if (arg == "-h" || arg == "--help") {
      out.command = "help";
      return out;
    }
    if (arg == "-c" || arg == "--connect" || arg == "--timeout" || arg == "-k" || arg == "--key") {
      if (i + 1 >= args.size()) return bad(arg + " needs a value");
      const std::string& v = args[++i];
      if (arg == "-k" || arg == "--key") {
        if (v.empty()) return bad(arg + ": the group key must not be empty");
        out.group_key = v;
      } else if (arg == "--timeout") {
        auto ms = parse_duration_ms(v);
        if (!ms.ok()) return bad("--timeout: " + ms.status().message);
        out.timeout_ms = *ms;
      } else {
        out.endpoint = normalize_endpoint(v);
      }
      continue;
    }
    return bad("unknown option '" + arg + "'");
  }
  if (i >= args.size()) return bad("no command given (try desasterctl --help)");
  out.command = args[i++];
  ArgCursor cur(args, i);
  Status status;
  const std::string& c = out.command;
  if (c == "help") {
  } else if (c == "enqueue") {
    status = parse_enqueue(cur, out);
  } else if (c == "jobs" || c == "failed") {
    status = parse_query_args(args, i, out, now_ms());
    // Listed, the failed set is the dead jobs; grouped, failed and dead alike.
    if (c == "failed" && !out.list.state && out.list.states.empty() && !out.group_by)
      out.list.state = JobState::dead;
  } else if (c == "queue") {
    status = parse_queue(cur, out);
  } else if (c == "pool") {
    status = parse_pool(cur, out);
  } else if (c == "pools") {
    out.command = "pool";
    out.pool.action = protocol::PoolAction::list;
    if (!cur.done()) status = bad("pools: unexpected argument '" + cur.peek() + "'");
  } else if (is_action_command(c)) {
    status = parse_action_args(args, i, out);
  } else if (c == "job" || c == "wait") {
    while (!cur.done()) out.ids.push_back(cur.take());
    if (out.ids.empty()) status = bad(c + ": which job? (give one or more ids)");
    if (c == "job" && out.ids.size() > 1) status = bad("job: give one id");
  } else if (c == "queues" || c == "stats" || c == "nodes" || c == "watch" || c == "digest") {
    if (!cur.done()) status = bad(c + ": unexpected argument '" + cur.peek() + "'");
  } else if (is_assign_command(c)) {
    status = parse_assign_args(args, i, out);
  } else if (c == "blacklist") {
    status = parse_blacklist_args(args, i, out);
  } else if (c == "resources") {
    status = parse_resources_args(args, i, out);
  } else if (c == "qdisc") {
    std::vector<std::string> words;
    while (!cur.done()) words.push_back(cur.take());
    status = parse_qdisc_args(words, out);
  } else if (c == "cron") {
    std::vector<std::string> words;
    while (!cur.done()) words.push_back(cur.take());
    status = parse_cron_args(words, out);
  } else if (c == "force-recovery") {
    std::vector<std::string> words;
    while (!cur.done()) words.push_back(cur.take());
    status = parse_force_recovery_args(words, out);
  } else if (c == "upgrade") {
    std::vector<std::string> words;
    while (!cur.done()) words.push_back(cur.take());
    status = parse_upgrade_args(words, out);
  } else if (c == "transfer-leadership") {
    std::vector<std::string> words;
    while (!cur.done()) words.push_back(cur.take());
    status = parse_transfer_args(words, out);
  } else {
    status = bad("unknown command '" + c + "' (try desasterctl --help)");
  }
  if (!status.ok()) return status;
  return out;
}

std::string ctl_help_text() {
  return "desasterctl: the command-line client of desaster\n"
         "\n"
         " usage: desasterctl [-c HOST[:PORT]] [-k KEY] [--json] [--timeout DURATION] COMMAND "
         "[ARGS]\n"
         "\n"
         " -c, --connect=HOST[:PORT]   the node to talk to [127.0.0.1:2691]\n"
         " -k, --key=GROUP_KEY         the cluster's group key [$DESASTER_KEY, else default]\n"
         "     --json                  machine-readable output\n"
         "     --timeout=DURATION      how long to wait for the node [10s]\n"
         "\n"
         " commands:\n"
         "  enqueue [--queue Q] [--in 30s | --at TIME] [--unique KEY] [--priority N]\n"
         "          [--timeout 5m] [--max-attempts N] [--env NAME=VALUE] [--cwd DIR]\n"
         "          [--pin-node N] [--pin-pool P] [--flow KEY]\n"
         "                                           (--flow: fairness key for sfq/htb;\n"
         "                                            default: the class)\n"
         "          [--sh] [--wait] -- CMD ARGS...   enqueue a shell job, print its id\n"
         "                                           (--sh: run the words through /bin/sh -c;\n"
         "                                            --wait: wait until it is done)\n"
         "  job ID                                   show one job\n" +
         ctl_query_help_text() +
         "  wait ID...                               wait until the jobs are done\n"
         "  queues                                   list queues with job counts\n"
         "  queue create Q [--max-attempts N] [--backoff 15s] [--backoff-max 1h] [--retention "
         "24h]\n"
         "                 [--dedup 10m]             (--dedup: refuse a job seen in the queue\n"
         "                                            within that window; see blacklist)\n"
         "  queue pause|resume|clear|delete Q\n"
         "  stats                                    top-like: node CPU, memory and load, jobs\n"
         "                                           run per node, the processes of the pools,\n"
         "                                           then the node's counters\n"
         "  nodes                                    this node and the peers it found\n"
         "  pool add NAME --dir DIR (--require FILE | --rackup CONFIG_RU) [--min 1] [--max 1]\n"
         "           [--queue Q[:WEIGHT]]... [--kind ruby|http] [--memory MB] [--timeout 30m]\n"
         "           [--cpu PERCENT] [--limit-grace 30s]\n"
         "           [--node NODE]                   declare (or redeclare) a Ruby pool\n"
         "                                           (--memory MB of RSS, --cpu PERCENT of one\n"
         "                                            CPU: a worker sampled over a limit is\n"
         "                                            replaced after its job, or killed with\n"
         "                                            its job failed if still over past the\n"
         "                                            grace)\n"
         "  pool remove|reload NAME                  stop a pool, or reload its application\n"
         "  pool list (or pools)                     pools, with their workers on this node\n"
         "                                           and the queues each pool serves\n" +
         action_help_text() + ctl_assign_help_text() +
         "  blacklist list [QUEUE] [--search S] [--limit N]\n"
         "                                           the de-duplication blacklist: window,\n"
         "                                           rejections and the identities seen\n"
         "  blacklist clear [QUEUE [IDENTITY]]       forget one identity, a queue's, or all\n"
         "  blacklist window QUEUE DURATION          set a queue's de-duplication window (0: off)\n"
         "  resources [--since 10m] [--series seconds|minutes|none]\n"
         "                                           the node's CPU, memory and load history\n"
         "                                           (1 s points for 10 min, 1 min for 24 h)\n" +
         qdisc_help_text() + cron_help_text() + force_recovery_help_text() + upgrade_help_text() +
         transfer_help_text() +
         "  watch                                    print each op as the node applies it\n"
         "                                           (index, op, queues, jobs) until\n"
         "                                           interrupted; --json: one object a line\n"
         "  digest                                   the node's committed state as one hash\n"
         "                                           (index, term, jobs, digest): nodes at\n"
         "                                           the same index must print the same\n"
         "\n"
         " Durations: 500ms, 30s, 5m, 2h, 1d. Times: Unix seconds or 2026-11-28T10:00:00Z.\n"
         " Exit status: 0 on success, 1 when the node refused or failed, 2 on bad usage,\n"
         " 3 when the node could not be reached.\n";
}

}  // namespace desaster
