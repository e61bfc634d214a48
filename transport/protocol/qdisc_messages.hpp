// The "qdisc" request: show or set a queue's queueing discipline
// (core/qdisc). Its codec is qdisc_wire.cpp.
//
// "qdisc" {action: show|set, queue, config?}
//   set {queue, config: qdisc map} -> the show reply after the change
//   show {queue} -> {queue, config: qdisc map, jobs, running, workers,
//                    next_eligible_ms?, accounting}
// A qdisc map: {kind: fifo|priority|sfq|htb, aging_ms, quantum,
//   classes: [{name, parent, rate_milli, ceil_milli, burst, cburst}],
//   rules: [{queue, class, flow, target}], default_class}; rates are in
//   thousandths of a job per second. Fields left out keep their defaults.
// accounting is the discipline's replicated accounting as stored in
// snapshots (a msgpack array, see each discipline's encode_accounting).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/model/job.hpp"
#include "core/qdisc/qdisc_config.hpp"

namespace desaster::protocol {

enum class QdiscAction : std::uint8_t { show, set };
struct QdiscCommand {
  QdiscAction action = QdiscAction::show;
  std::string queue;
  std::optional<QdiscConfig> config;  // set
};

struct QdiscReply {
  std::string queue;
  QdiscConfig config;
  std::uint64_t jobs = 0;               // queued jobs the discipline holds
  std::uint64_t running = 0;            // the queue's running jobs
  std::uint32_t workers = 0;            // worker slots serving the queue on the answering node
  std::optional<TimeMs> next_eligible;  // htb: when jobs held back may go
  std::string accounting;               // msgpack bytes
};

}  // namespace desaster::protocol
