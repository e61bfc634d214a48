// Running a job action (see ctl_actions.hpp): one "action" request, then a
// summary such as "killed 3 jobs; 1 was already final" with the refusals on
// stderr, or the reply as JSON.
#include "ui/desasterctl/ctl_actions.hpp"

#include <cstdio>

#include "core/model/job_id.hpp"
#include "transport/client/client.hpp"
#include "ui/common/json_writer.hpp"

namespace desaster {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUnreachable = 3;

const char* verb_of(protocol::JobActionKind action) {
  switch (action) {
    case protocol::JobActionKind::kill:
      return "killed";
    case protocol::JobActionKind::relocate:
      return "relocated";
    case protocol::JobActionKind::rerole:
      return "re-roled";
    case protocol::JobActionKind::retry:
      return "queued again";
    case protocol::JobActionKind::remove:
      return "deleted";
    case protocol::JobActionKind::reschedule:
      return "rescheduled";
  }
  return "?";
}

std::string jobs(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " job" : " jobs");
}

std::string were(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " was" : " were");
}

void print_json(const protocol::JobAction& action, const protocol::JobActionReply& r) {
  JsonWriter json;
  json.begin_object().key("action").value(protocol::to_string(action.action));
  json.key("selected").value(r.selected).key("done").value(r.done);
  json.key("already_final").value(r.already_final).key("not_found").value(r.not_found);
  json.key("refused").value(r.refused).key("errors").begin_array();
  for (const protocol::JobActionError& e : r.errors) {
    json.begin_object().key("id").value(format_job_id(e.id));
    json.key("code").value(to_string(e.status.code)).key("message").value(e.status.message);
    json.end_object();
  }
  json.end_array().key("errors_left_out").value(r.errors_left_out).end_object();
  std::printf("%s\n", json.str().c_str());
}

// "killed 3 jobs; 1 was already final; 2 were not found; 1 was refused"
std::string summary(const protocol::JobAction& action, const protocol::JobActionReply& r) {
  std::string line = std::string(verb_of(action.action)) + " " + jobs(r.done);
  if (r.already_final) line += "; " + were(r.already_final) + " already final";
  if (r.not_found) line += "; " + were(r.not_found) + " not found";
  if (r.refused) line += "; " + were(r.refused) + " refused";
  if (action.all && r.selected == 0) line += " (the query selected none)";
  return line;
}

}  // namespace

int run_action(Client& client, const CtlArgs& args) {
  protocol::JobAction action = args.action;
  for (const std::string& text : args.ids) {
    std::optional<JobId> id = parse_job_id(text);
    if (!id) {
      std::fprintf(stderr, "desasterctl: '%s' is not a job id\n", text.c_str());
      return kExitRefused;
    }
    action.ids.push_back(*id);
  }
  auto reply = client.job_action(action);
  if (!reply.ok()) {
    std::fprintf(stderr, "desasterctl: %s\n", reply.status().message.c_str());
    return reply.status().code == ErrorCode::unavailable ? kExitUnreachable : kExitRefused;
  }
  const protocol::JobActionReply& r = *reply;
  if (args.json) {
    print_json(action, r);
  } else {
    for (const protocol::JobActionError& e : r.errors)
      std::fprintf(stderr, "%s: %s\n", format_job_id(e.id).c_str(), e.status.message.c_str());
    if (r.errors_left_out)
      std::fprintf(stderr, "(%llu more refusals not listed)\n",
                   static_cast<unsigned long long>(r.errors_left_out));
    std::printf("%s\n", summary(action, r).c_str());
  }
  // Jobs named by id must all be done; a query may meet final jobs on its way.
  const bool failed = r.not_found + r.refused > 0 || (!action.all && r.already_final > 0);
  return failed ? kExitRefused : kExitOk;
}

}  // namespace desaster
