// desaster-top without a replica: every refresh asks the node for what the
// screen shows ("queues", "groups", a page of "list"), so top's memory does
// not grow with the jobs of the cluster and a refresh moves about a
// screen's worth. Used with --poll, past 20,000 jobs, and when the state
// feed cannot serve a snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "transport/client/client.hpp"
#include "ui/top/top_data.hpp"

namespace desaster::top {

// Per queue, the counts seen at the last poll, whose growth gives the
// rates (jobs succeeded, jobs that failed an attempt or died).
struct PolledCounts {
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> last;
  bool primed = false;
  // Asked once a second, not every refresh: each queue's oldest queued
  // job (a request per queue) and the start of the workers' jobs.
  TimeMs detail_at = 0;
  std::map<std::string, TimeMs> oldest;
  std::map<JobId, TimeMs> started;
};

// Fills counts, queues, failed groups and the jobs of data.jobs_scope
// (with the node's ETAs) from the node; feeds rates with what changed.
// data.now and data.resources (the workers) must be set.
// An error means the node did not answer.
Status collect_from_node(Client& client, RateTracker& rates, PolledCounts& seen,
                         std::size_t job_limit, TopData& data);

// The ids of a scope's jobs, asked of the node (at most limit).
Result<std::vector<JobId>> scope_ids_from_node(Client& client, const JobsScope& scope,
                                               std::size_t limit);

}  // namespace desaster::top
