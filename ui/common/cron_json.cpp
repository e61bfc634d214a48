#include "ui/common/cron_json.hpp"

#include "core/model/job_id.hpp"
#include "core/model/shell_command.hpp"

namespace desaster {

void write_cron_entry_json(JsonWriter& json, const CronEntry& e, const std::vector<TimeMs>& next) {
  json.begin_object();
  json.key("name").value(e.name).key("schedule").value(e.schedule);
  json.key("zone").value(e.zone.empty() ? "UTC" : e.zone);
  json.key("missed").value(to_string(e.missed));
  json.key("starting_deadline_ms").value(e.starting_deadline_ms);
  json.key("overlap").value(to_string(e.overlap)).key("paused").value(e.paused);
  json.key("queue").value(e.job.queue).key("kind").value(to_string(e.job.kind));
  json.key("class").value(e.job.job_class);
  if (e.job.kind == JobKind::shell) {
    Result<ShellCommand> command = decode_shell_command(e.job.payload);
    json.key("command").value(command.ok() ? describe_shell_command(*command) : "?");
  }
  json.key("created_at").value(e.created_at).key("last_instant").value(e.last_instant);
  json.key("next").begin_array();
  for (TimeMs t : next) json.value(t);
  json.end_array().key("runs").begin_array();
  for (const CronRun& run : e.runs) {
    json.begin_object().key("instant").value(run.instant);
    json.key("job").value(run.job == 0 ? std::string() : format_job_id(run.job));
    json.key("kind").value(to_string(run.kind)).end_object();
  }
  json.end_array().end_object();
}

}  // namespace desaster
