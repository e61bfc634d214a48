// `desaster-top --json`: the data of one screen as one JSON object, for
// scripts and bug reports (the --once screen's numbers, unformatted).
#pragma once

#include <string>

#include "ui/top/top_data.hpp"

namespace desaster::top {

// {endpoint, notice, mode, index, term, counts: {state: n},
//  processed_per_second, failed_per_second,
//  nodes: [{node, address, role, self, running, free_slots, draining, lag}],
//  queues: [{name, counts, paused, qdisc, processed_per_second,
//            failed_per_second, oldest_queued_ms}],
//  workers: [{pid, pool, role, job, cpu_percent, rss_kb}],
//  failed_by, failed: [{key, count}]}
std::string top_json(const TopData& data);

}  // namespace desaster::top
