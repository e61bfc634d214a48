// The cron endpoints of WebApp (API.md "Cron"): the entries from the
// replica, with their next instants computed here from the replicated
// schedule; pause, resume, run now and remove as one `cron` request each to
// the node, run on the ActionRunner.
#include "core/cron/cron_plan.hpp"
#include "core/model/job_id.hpp"
#include "transport/client/client.hpp"
#include "ui/common/cron_json.hpp"
#include "ui/web/server/query/web_query.hpp"
#include "ui/web/server/web_app.hpp"

namespace desaster::web {

namespace {

constexpr std::string_view kCronPath = "/api/cron";
constexpr std::size_t kNextShown = 5;

std::string cron_json(const State& state) {
  JsonWriter json;
  json.begin_object().key("entries").begin_array();
  for (const CronEntry& e : state.cron_entries()) {
    write_cron_entry_json(json, e, cron::next_instants(e, kNextShown));
  }
  json.end_array().end_object();
  return json.str();
}

}  // namespace

bool WebApp::cron_get(h2o_req_t* req, std::string_view path, std::string_view query) {
  if (path != kCronPath) return false;
  Result<QueryParams> params = parse_query_string(query);
  if (!params.ok()) return error(req, params.status()), true;
  if (Status s = check_known(*params, {}); !s.ok()) return error(req, s), true;
  json(req, 200, replica_.read([](const State& s) { return cron_json(s); }));
  return true;
}

bool WebApp::cron_post(h2o_req_t* req, std::string_view path) {
  if (path.substr(0, kCronPath.size() + 1) != "/api/cron/") return false;
  const std::string_view rest = path.substr(kCronPath.size() + 1);
  const std::size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos || slash == 0) {
    error(req, 404, "path: expected /api/cron/NAME/ACTION");
    return true;
  }
  const std::string name(rest.substr(0, slash));
  const std::string_view verb = rest.substr(slash + 1);
  if (std::string why = check_cron_name(name); !why.empty()) return error(req, 400, why), true;
  protocol::CronCommand command;
  command.name = name;
  if (verb == "pause") {
    command.action = protocol::CronAction::pause;
  } else if (verb == "resume") {
    command.action = protocol::CronAction::resume;
  } else if (verb == "run") {
    command.action = protocol::CronAction::run;
  } else if (verb == "remove") {
    command.action = protocol::CronAction::remove;
  } else {
    error(req, 404,
          "action: '" + std::string(verb.substr(0, 40)) + "' is not pause, resume, run or remove");
    return true;
  }
  if (Result<Fields> f = decode_fields(std::string_view(req->entity.base, req->entity.len), {});
      !f.ok()) {
    return error(req, f.status()), true;
  }
  later(req, [command](Client& c) -> Result<std::string> {
    Result<protocol::CronReply> reply = c.cron(command);
    if (!reply.ok()) return reply.status();
    if (command.action != protocol::CronAction::run) return std::string("{\"ok\":true}");
    return "{\"ok\":true,\"job\":\"" + format_job_id(reply->job) + "\"}";
  });
  return true;
}

}  // namespace desaster::web
