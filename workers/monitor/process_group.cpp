#include "workers/monitor/process_group.hpp"

#include <dirent.h>

#include <cctype>

#include "workers/monitor/proc_parsers.hpp"
#include "workers/monitor/resource_sampler.hpp"

namespace desaster::monitor {

std::unordered_map<std::int64_t, GroupUsage> group_members_usage(
    const std::string& proc_root, const std::unordered_set<std::int64_t>& groups) {
  std::unordered_map<std::int64_t, GroupUsage> usage;
  if (groups.empty()) return usage;
  DIR* dir = ::opendir(proc_root.c_str());
  if (dir == nullptr) return usage;
  while (const dirent* entry = ::readdir(dir)) {
    if (!std::isdigit(static_cast<unsigned char>(entry->d_name[0]))) continue;
    const std::string path = proc_root + "/" + entry->d_name;
    auto stat_text = read_small_file(path + "/stat");
    if (!stat_text) continue;  // gone meanwhile
    Result<ProcessStat> stat = parse_pid_stat(*stat_text);
    if (!stat.ok() || stat->pid == stat->pgrp || groups.count(stat->pgrp) == 0) continue;
    GroupUsage& group = usage[stat->pgrp];
    group.ticks += stat->utime + stat->stime;
    if (auto status_text = read_small_file(path + "/status")) {
      if (Result<std::uint64_t> rss = parse_status_rss_kb(*status_text); rss.ok()) {
        group.rss_kb += *rss;
      }
    }
  }
  ::closedir(dir);
  return usage;
}

}  // namespace desaster::monitor
