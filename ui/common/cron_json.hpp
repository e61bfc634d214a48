// A cron entry as JSON, the same for `desasterctl --json cron` and
// desaster-web's /api/cron (ui/web/API.md "Cron").
#pragma once

#include <vector>

#include "core/model/cron_entry.hpp"
#include "ui/common/json_writer.hpp"

namespace desaster {

// {name, schedule, zone, missed, starting_deadline_ms, overlap, paused, queue,
//  kind, class, command (shell entries), created_at, last_instant, next: [ms],
//  runs: [{instant, job, kind}]}; `next` are the instants to come.
void write_cron_entry_json(JsonWriter& json, const CronEntry& e, const std::vector<TimeMs>& next);

}  // namespace desaster
