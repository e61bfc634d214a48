// A queued job's estimated start and finish, computed on read from where the
// discipline puts it (Qdisc::turn_of), the slots serving its queue, how long
// the running jobs have still to go and how long jobs take (ServiceTimes).
// Pure: `now` is an argument.
//
// The model: each slot serving the queue frees when its running job is
// expected to end (its key's mean less what it has run already; a job past
// its mean may end at any moment), then takes one job ahead after another,
// each taking the mean of the queue's jobs. The job starts at the slot start
// that comes after all the jobs ahead of it. A shaped class (htb) cannot
// start before the jobs ahead of it in its class have gone at the class's
// rate. The finish adds the job's own mean.
//
// What is not known is not guessed: the State gives no ETA for a paused
// queue, a queue no slot serves, or a job whose command or class has never
// finished (every shell command is a key of its own, so one quick `echo`
// says nothing about `sleep 30`).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/qdisc/qdisc.hpp"

namespace desaster {

struct EtaInput {
  TimeMs now = 0;
  Turn turn;
  std::uint32_t workers = 0;            // slots serving the queue
  std::vector<double> running_left_ms;  // per running job of the queue: how long it still runs
  double ahead_mean_ms = 0;             // how long each job ahead takes
  double own_mean_ms = 0;               // how long the job itself takes
  TimeMs not_before = 0;                // a scheduled job's run_at; 0: none
};

struct Eta {
  TimeMs start = 0;
  TimeMs finish = 0;

  bool operator==(const Eta&) const = default;
};

// none when no slot serves the queue.
std::optional<Eta> estimate_eta(const EtaInput& input);

// When the jobs_ahead + 1st start happens on `workers` slots that free at
// slot_free_ms (ms from now; missing slots are free now) and then take a
// job every mean_ms. Exact for that model; exposed for tests.
double start_after_ms(std::vector<double> slot_free_ms, std::uint32_t workers, double jobs_ahead,
                      double mean_ms);

}  // namespace desaster
