// A queued job's estimated start and finish, computed on read from where the
// discipline puts it (Qdisc::turn_of), how many workers serve its queue and
// how long jobs take (ServiceTimes). Pure: `now` is an argument.
//
// The model: the queue's workers finish a job every mean/workers ms on
// average (mean over all classes, since the jobs ahead are of any class).
// Free slots take the first jobs at once; after that the jobs ahead drain at
// that rate, and a running job counts as a whole one still to go (its
// elapsed time is ignored), so estimates lean late by at most one mean per
// worker. A shaped class (htb) cannot start its job before the jobs ahead of
// it in its class have gone at the class's rate. The finish adds the mean of
// the job's own class.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/qdisc/qdisc.hpp"
#include "core/qdisc/service_times.hpp"

namespace desaster {

struct EtaInput {
  TimeMs now = 0;
  Turn turn;
  std::uint32_t workers = 0;  // slots serving the queue
  std::uint32_t running = 0;  // the queue's jobs running now
  std::string_view job_class;
  TimeMs not_before = 0;  // a scheduled job's run_at; 0: none
};

struct Eta {
  TimeMs start = 0;
  TimeMs finish = 0;

  bool operator==(const Eta&) const = default;
};

// none when nothing can be said: no worker serves the queue, or no job has
// finished yet to measure.
std::optional<Eta> estimate_eta(const EtaInput& input, const ServiceTimes& times);

}  // namespace desaster
