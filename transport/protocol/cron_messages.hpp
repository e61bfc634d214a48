// The "cron" request: add, list, show, pause, resume, remove and run cron
// entries (core/model/cron_entry.hpp). Its codec is cron_wire.cpp.
//
// "cron" {action: add|remove|pause|resume|run|list|show, name?, schedule?,
//         zone?, missed?: skip|once|all, starting_deadline_ms?,
//         overlap?: allow|forbid|replace, job?: JobSpec map}
//   add {name, schedule, job, ...} -> {entries: [the entry]}
//   remove|pause|resume {name} -> {}
//   run {name} -> {job: id}: one job now, whatever the schedule
//   list {} -> {entries: [entry...]}; show {name} -> {entries: [entry]}
// An entry: {name, schedule, zone, missed, starting_deadline_ms, overlap,
//   paused, job: job map (job_wire.hpp; the template), created_at,
//   last_instant, next: [ms...] (the next instants, at most 5; none while
//   paused), runs: [{instant, job (0: none), kind: fired|skipped_missed|
//   skipped_overlap|manual}] oldest first}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/cron_entry.hpp"
#include "transport/protocol/job_spec.hpp"

namespace desaster::protocol {

enum class CronAction : std::uint8_t { add, remove, pause, resume, run, list, show };

struct CronCommand {
  CronAction action = CronAction::list;
  std::string name;
  std::string schedule;
  std::string zone;
  CronMissed missed = CronMissed::once;
  std::uint64_t starting_deadline_ms = 0;
  CronOverlap overlap = CronOverlap::allow;
  std::optional<JobSpec> job;  // add
};

inline constexpr std::size_t kCronNextShown = 5;

struct CronEntryView {
  CronEntry entry;
  std::vector<TimeMs> next;
};

struct CronReply {
  std::vector<CronEntryView> entries;
  JobId job = 0;  // run
};

const char* to_string(CronAction action);

}  // namespace desaster::protocol
