// Parsing of the job-action commands (see ctl_actions.hpp):
//
//   kill|retry|delete ID... | --all [--queue Q] [--state S]
//   relocate [--queue Q] [--node N] (ID... | --all [--queue Q] [--state S])
//   re-role [--class C] [--priority P] [--flow F] [--queue Q] (ID... | --all ...)
//   reschedule (--at TIME | --in DURATION) (ID... | --all ...)
//
// For relocate and re-role, --queue before --all is the new queue and after
// it the query's, so "relocate --queue b --all --queue a" moves a's jobs to b.
#include <charconv>

#include "ui/common/durations.hpp"
#include "ui/desasterctl/ctl_actions.hpp"

namespace desaster {

namespace {

Status bad(const std::string& message) {
  return Status::error(ErrorCode::bad_request, message);
}

struct ActionName {
  const char* command;
  protocol::JobActionKind action;
};

constexpr ActionName kActions[] = {
    {"kill", protocol::JobActionKind::kill},
    {"relocate", protocol::JobActionKind::relocate},
    {"re-role", protocol::JobActionKind::rerole},
    {"retry", protocol::JobActionKind::retry},
    {"delete", protocol::JobActionKind::remove},
    {"reschedule", protocol::JobActionKind::reschedule},
};

bool has_target_queue(protocol::JobActionKind a) {
  return a == protocol::JobActionKind::relocate || a == protocol::JobActionKind::rerole;
}

}  // namespace

bool is_action_command(std::string_view command) {
  for (const ActionName& a : kActions)
    if (command == a.command) return true;
  return false;
}

Status parse_action_args(const std::vector<std::string>& args, std::size_t pos, CtlArgs& out) {
  const std::string& c = out.command;
  protocol::JobAction& action = out.action;
  for (const ActionName& a : kActions)
    if (c == a.command) action.action = a.action;
  const bool target = has_target_queue(action.action);
  bool time_given = false;
  while (pos < args.size()) {
    const std::string arg = args[pos++];
    if (arg.empty() || arg[0] != '-') {
      out.ids.push_back(arg);
      continue;
    }
    if (arg == "--all") {
      action.all = true;
      continue;
    }
    if (pos >= args.size()) return bad(c + ": " + arg + " needs a value");
    const std::string v = args[pos++];
    if (arg == "--queue" || arg == "-q") {
      if (target && !action.all) {
        action.queue = v;
      } else {
        action.query_queue = v;
      }
    } else if (arg == "--state") {
      JobState state{};
      if (!job_state_from_string(v, state)) {
        return bad("--state: '" + v +
                   "' is not one of scheduled, queued, running, succeeded, failed, dead, killed");
      }
      action.query_state = state;
    } else if (arg == "--node" && action.action == protocol::JobActionKind::relocate) {
      action.node = v;
    } else if (arg == "--class" && action.action == protocol::JobActionKind::rerole) {
      if (v.empty()) return bad("--class: a class cannot be empty");
      action.job_class = v;
    } else if (arg == "--priority" && action.action == protocol::JobActionKind::rerole) {
      std::int32_t p = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), p);
      if (v.empty() || ec != std::errc{} || end != v.data() + v.size())
        return bad("--priority: '" + v + "' is not a number");
      action.priority = p;
    } else if (arg == "--flow" && action.action == protocol::JobActionKind::rerole) {
      action.flow = v;
    } else if ((arg == "--at" || arg == "--in") &&
               action.action == protocol::JobActionKind::reschedule) {
      if (time_given) return bad("reschedule: give --at or --in, once");
      time_given = true;
      if (arg == "--at") {
        auto at = parse_time_ms(v);
        if (!at.ok()) return bad("--at: " + at.status().message);
        action.run_at = *at;
      } else {
        auto ms = parse_duration_ms(v);
        if (!ms.ok()) return bad("--in: " + ms.status().message);
        // "--in 0" means now: 1 ms keeps the field set on the wire.
        action.in_ms = *ms > 0 ? *ms : 1;
      }
    } else {
      return bad(c + ": unknown option '" + arg + "'");
    }
  }
  if (action.all && !out.ids.empty()) return bad(c + ": give ids or --all, not both");
  if (!action.all && (!action.query_queue.empty() || action.query_state)) {
    return bad(c + ": --queue and --state select jobs only with --all");
  }
  if (!action.all && out.ids.empty()) {
    return bad(c + ": which job? (give one or more ids, or --all [--queue Q] [--state S])");
  }
  switch (action.action) {
    case protocol::JobActionKind::relocate:
      if (!action.queue && !action.node)
        return bad("relocate: where to? (--queue Q and/or --node N)");
      break;
    case protocol::JobActionKind::rerole:
      if (!action.queue && !action.job_class && !action.priority && !action.flow)
        return bad("re-role: what to change? (--class, --priority, --flow, --queue)");
      break;
    case protocol::JobActionKind::reschedule:
      if (!time_given) return bad("reschedule: when? (--at TIME or --in DURATION)");
      break;
    case protocol::JobActionKind::kill:
    case protocol::JobActionKind::retry:
    case protocol::JobActionKind::remove:
      break;
  }
  return {};
}

std::string action_help_text() {
  return "  kill ID...                               stop jobs for good (a running one gets\n"
         "                                           TERM, then KILL); they end killed\n"
         "  relocate [--queue Q] [--node N] ID...    move waiting jobs to queue Q and/or pin\n"
         "                                           them to node N (\"\" unpins); a running\n"
         "                                           one is stopped and queued there again\n"
         "  re-role [--class C] [--priority P] [--flow F] [--queue Q] ID...\n"
         "                                           change waiting jobs' role\n"
         "  retry ID...                              run failed, dead or finished jobs again\n"
         "  delete ID...                             delete jobs (running ones are killed first)\n"
         "  reschedule (--at TIME | --in DURATION) ID...\n"
         "                                           move run_at of scheduled or failed jobs\n"
         "    instead of ids, each takes --all [--queue Q] [--state S]: every job of the\n"
         "    query (relocate/re-role: --queue after --all is the query's)\n";
}

}  // namespace desaster
