// desasterctl cron ...: entries that enqueue a job at each instant of a
// schedule. The shell form takes the enqueue flags and the command after
// `--`; the class form (--class C [--args JSON]) makes ruby jobs (or task
// jobs with --kind task) whose payload is the JSON arguments as msgpack.
#include "ui/desasterctl/ctl_cron.hpp"

#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/model/job_id.hpp"
#include "core/model/shell_command.hpp"
#include "ui/common/cron_json.hpp"
#include "ui/common/durations.hpp"
#include "ui/common/json_writer.hpp"

namespace desaster {

namespace {

Status bad(const std::string& message) {
  return Status::error(ErrorCode::bad_request, message);
}

constexpr const char* kUsage = "cron: which action? (add, list, show, pause, resume, remove, run)";

Status parse_add(const std::vector<std::string>& words, std::size_t i, protocol::CronCommand& c) {
  if (i + 1 >= words.size()) return bad("cron add: expected NAME 'SCHEDULE' [options] -- CMD");
  c.name = words[i++];
  c.schedule = words[i++];
  protocol::JobSpec job;
  ShellCommand command;
  bool use_shell = false;
  bool class_form = false;
  std::string args_json;
  bool kind_given = false;
  for (; i < words.size(); ++i) {
    const std::string& arg = words[i];
    if (arg == "--") {
      ++i;
      break;
    }
    const bool flag_with_value = arg == "--tz" || arg == "--queue" || arg == "-q" ||
                                 arg == "--missed" || arg == "--starting-deadline" ||
                                 arg == "--overlap" || arg == "--priority" || arg == "--timeout" ||
                                 arg == "--max-attempts" || arg == "--cwd" || arg == "--env" ||
                                 arg == "--pin-node" || arg == "--pin-pool" || arg == "--flow" ||
                                 arg == "--class" || arg == "--args" || arg == "--kind";
    std::string v;
    if (flag_with_value) {
      if (i + 1 >= words.size()) return bad(arg + " needs a value");
      v = words[++i];
    }
    if (arg == "--tz") {
      c.zone = v;
    } else if (arg == "--queue" || arg == "-q") {
      job.queue = v;
    } else if (arg == "--missed") {
      if (!cron_missed_from_string(v, c.missed))
        return bad("--missed: '" + v + "' (skip, once, all)");
    } else if (arg == "--starting-deadline") {
      auto ms = parse_duration_ms(v);
      if (!ms.ok() || *ms < 0) return bad("--starting-deadline: '" + v + "' is not a duration");
      c.starting_deadline_ms = static_cast<std::uint64_t>(*ms);
    } else if (arg == "--overlap") {
      if (!cron_overlap_from_string(v, c.overlap)) {
        return bad("--overlap: '" + v + "' (allow, forbid, replace)");
      }
    } else if (arg == "--priority") {
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), job.priority);
      if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) {
        return bad("--priority: '" + v + "' is not a number");
      }
    } else if (arg == "--timeout") {
      auto ms = parse_duration_ms(v);
      if (!ms.ok() || *ms < 0 || *ms > 0xffffffffll)
        return bad("--timeout: '" + v + "' is not a duration");
      job.timeout_ms = static_cast<std::uint32_t>(*ms);
    } else if (arg == "--max-attempts") {
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), job.retry.max_attempts);
      if (v.empty() || ec != std::errc{} || end != v.data() + v.size() ||
          job.retry.max_attempts == 0) {
        return bad("--max-attempts: '" + v + "' is not a number from 1");
      }
    } else if (arg == "--cwd") {
      command.cwd = v;
    } else if (arg == "--env") {
      auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0) return bad("--env: '" + v + "' is not NAME=VALUE");
      command.env[v.substr(0, eq)] = v.substr(eq + 1);
    } else if (arg == "--pin-node") {
      job.pin_node = v;
    } else if (arg == "--pin-pool") {
      job.pin_pool = v;
    } else if (arg == "--flow") {
      job.flow = v;
    } else if (arg == "--class") {
      class_form = true;
      job.job_class = v;
    } else if (arg == "--args") {
      args_json = v;
    } else if (arg == "--kind") {
      if (!job_kind_from_string(v, job.kind) ||
          (job.kind != JobKind::ruby && job.kind != JobKind::task)) {
        return bad("--kind: '" + v + "' (ruby or task; shell jobs take the command after --)");
      }
      kind_given = true;
    } else if (arg == "--sh") {
      use_shell = true;
    } else {
      return bad("cron add: unknown option '" + arg + "' (the command goes after --)");
    }
  }
  std::vector<std::string> rest(words.begin() + static_cast<std::ptrdiff_t>(i), words.end());
  if (class_form) {
    if (!rest.empty()) return bad("cron add: --class takes --args JSON, not a command after --");
    if (!kind_given) job.kind = JobKind::ruby;
    nlohmann::json args = nlohmann::json::array();
    if (!args_json.empty()) {
      try {
        args = nlohmann::json::parse(args_json);
      } catch (const nlohmann::json::exception& e) {
        return bad("--args: not JSON (" + std::string(e.what()) + ")");
      }
      if (!args.is_array())
        return bad("--args: expected a JSON array of arguments, as '[1, \"x\"]'");
    }
    std::vector<std::uint8_t> packed = nlohmann::json::to_msgpack(args);
    job.payload.assign(packed.begin(), packed.end());
  } else {
    if (!args_json.empty() || kind_given) return bad("cron add: --args and --kind go with --class");
    if (rest.empty())
      return bad("cron add: no command given (cron add NAME 'SCHEDULE' -- CMD ARGS...)");
    if (use_shell) {
      for (const std::string& w : rest) command.sh += (command.sh.empty() ? "" : " ") + w;
    } else {
      command.argv = std::move(rest);
    }
    job.kind = JobKind::shell;
    job.payload = encode_shell_command(command);
  }
  c.job = std::move(job);
  return Status::success();
}

std::string when(TimeMs t) {
  return t == 0 ? "-" : format_time_ms(t);
}

void print_entry(const protocol::CronEntryView& view, bool detail) {
  const CronEntry& e = view.entry;
  std::string job_text = std::string(to_string(e.job.kind)) + " " + e.job.job_class;
  if (e.job.kind == JobKind::shell) {
    if (auto command = decode_shell_command(e.job.payload); command.ok()) {
      job_text = describe_shell_command(*command);
    }
  }
  if (!detail) {
    std::printf("%-24s %-22s %-16s %-8s next %s  %s\n", e.name.c_str(), e.schedule.c_str(),
                e.zone.empty() ? "UTC" : e.zone.c_str(), e.paused ? "paused" : "active",
                view.next.empty() ? "-" : when(view.next.front()).c_str(), job_text.c_str());
    return;
  }
  std::printf("name:      %s\nschedule:  %s (%s)\nstate:     %s\nqueue:     %s\njob:       %s\n",
              e.name.c_str(), e.schedule.c_str(), e.zone.empty() ? "UTC" : e.zone.c_str(),
              e.paused ? "paused" : "active", e.job.queue.c_str(), job_text.c_str());
  std::printf("missed:    %s", to_string(e.missed));
  if (e.starting_deadline_ms > 0) {
    std::printf(" (starting deadline %s)",
                format_duration_ms(static_cast<std::int64_t>(e.starting_deadline_ms)).c_str());
  }
  std::printf("\noverlap:   %s\ncreated:   %s\n", to_string(e.overlap), when(e.created_at).c_str());
  std::printf("next runs:\n");
  if (view.next.empty()) std::printf("  (none)\n");
  for (TimeMs t : view.next) std::printf("  %s\n", when(t).c_str());
  std::printf("last runs:\n");
  if (e.runs.empty()) std::printf("  (none)\n");
  for (auto it = e.runs.rbegin(); it != e.runs.rend(); ++it) {
    std::printf("  %s  %-15s %s\n", when(it->instant).c_str(), to_string(it->kind),
                it->job == 0 ? "-" : format_job_id(it->job).c_str());
  }
}

void json_entry(JsonWriter& json, const protocol::CronEntryView& view) {
  write_cron_entry_json(json, view.entry, view.next);
}

}  // namespace

Status parse_cron_args(const std::vector<std::string>& words, CtlArgs& out) {
  out.command = "cron";
  protocol::CronCommand& c = out.cron;
  if (words.empty()) return bad(kUsage);
  const std::string& action = words[0];
  if (action == "add") {
    c.action = protocol::CronAction::add;
    return parse_add(words, 1, c);
  }
  if (action == "list") {
    c.action = protocol::CronAction::list;
    if (words.size() > 1) return bad("cron list: unexpected argument '" + words[1] + "'");
    return Status::success();
  }
  if (action == "show")
    c.action = protocol::CronAction::show;
  else if (action == "pause")
    c.action = protocol::CronAction::pause;
  else if (action == "resume")
    c.action = protocol::CronAction::resume;
  else if (action == "remove")
    c.action = protocol::CronAction::remove;
  else if (action == "run")
    c.action = protocol::CronAction::run;
  else
    return bad("cron: unknown action '" + action +
               "' (add, list, show, pause, resume, remove, run)");
  if (words.size() < 2) return bad("cron " + action + ": which entry?");
  if (words.size() > 2) return bad("cron " + action + ": unexpected argument '" + words[2] + "'");
  c.name = words[1];
  return Status::success();
}

std::string cron_help_text() {
  return "  cron add NAME 'SCHEDULE' [--tz ZONE] [--queue Q] [--missed skip|once|all]\n"
         "           [--starting-deadline 5m] [--overlap allow|forbid|replace]\n"
         "           [enqueue flags] [--sh] -- CMD ARGS...\n"
         "  cron add NAME 'SCHEDULE' --class C [--args JSON] [--kind ruby|task] [...]\n"
         "                                           a job at every instant of SCHEDULE:\n"
         "                                           '*/5 * * * *', six fields with seconds\n"
         "                                           first, @hourly @daily @weekly @monthly\n"
         "                                           @yearly, '@every 30s'. --missed: what an\n"
         "                                           outage's instants do [once]\n"
         "  cron list | show NAME                    entries; next runs, last runs and jobs\n"
         "  cron pause|resume|remove NAME            (resume does not fire what passed)\n"
         "  cron run NAME                            one job now, whatever the schedule\n";
}

int run_cron(Client& client, const CtlArgs& args) {
  Result<protocol::CronReply> reply = client.cron(args.cron);
  if (!reply.ok()) {
    std::fprintf(stderr, "desasterctl: %s\n", reply.status().message.c_str());
    return reply.status().code == ErrorCode::unavailable ? 3 : 1;
  }
  const protocol::CronReply& r = *reply;
  using protocol::CronAction;
  if (args.json) {
    JsonWriter json;
    json.begin_object();
    if (r.job != 0) json.key("job").value(format_job_id(r.job));
    json.key("entries").begin_array();
    for (const protocol::CronEntryView& view : r.entries) json_entry(json, view);
    json.end_array().end_object();
    std::printf("%s\n", json.str().c_str());
    return 0;
  }
  switch (args.cron.action) {
    case CronAction::run:
      std::printf("%s\n", format_job_id(r.job).c_str());
      break;
    case CronAction::list:
      if (r.entries.empty()) std::printf("no cron entries\n");
      for (const protocol::CronEntryView& view : r.entries) print_entry(view, false);
      break;
    case CronAction::add:
    case CronAction::show:
      for (const protocol::CronEntryView& view : r.entries) print_entry(view, true);
      break;
    case CronAction::pause:
    case CronAction::resume:
    case CronAction::remove:
      break;
  }
  return 0;
}

}  // namespace desaster
