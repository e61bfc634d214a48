// The other members of process groups: a shell job runs as `sh -c`, whose
// children (a pipeline, a script's commands) do the work and hold the
// memory, so a job's CPU and RSS are its whole process group's.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace desaster::monitor {

struct GroupUsage {
  std::uint64_t ticks = 0;  // utime + stime of the members still alive
  std::uint64_t rss_kb = 0;
};

// Scans proc_root for processes in one of `groups` (by pgrp) that are not
// the group's leader; the leaders are sampled by the caller.
std::unordered_map<std::int64_t, GroupUsage> group_members_usage(
    const std::string& proc_root, const std::unordered_set<std::int64_t>& groups);

}  // namespace desaster::monitor
