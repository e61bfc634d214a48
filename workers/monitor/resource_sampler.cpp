#include "workers/monitor/resource_sampler.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <unordered_set>

#include "workers/monitor/process_group.hpp"

namespace desaster::monitor {

std::optional<std::string> read_small_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buffer[4096];
  while (out.size() < (1u << 20)) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

ResourceSampler::ResourceSampler(std::string proc_root) : proc_root_(std::move(proc_root)) {
  long ticks = ::sysconf(_SC_CLK_TCK);
  ticks_per_second_ = ticks > 0 ? static_cast<std::uint64_t>(ticks) : 100;
}

Reading ResourceSampler::sample(TimeMs now, const std::vector<TrackedProcess>& processes) {
  Reading r;
  r.node.at = now;
  auto note = [&r](const Status& s) {
    if (r.error.empty()) r.error = s.message;
  };
  if (auto text = read_small_file(proc_root_ + "/stat")) {
    if (Result<CpuTimes> cpu = parse_proc_stat(*text); cpu.ok()) {
      if (last_cpu_) r.node.cpu_percent = node_cpu_percent(*last_cpu_, *cpu);
      last_cpu_ = *cpu;
    } else {
      note(cpu.status());
    }
  } else {
    note(Status::error(ErrorCode::io_error, "cannot read " + proc_root_ + "/stat"));
  }
  if (auto text = read_small_file(proc_root_ + "/meminfo")) {
    if (Result<MemInfo> mem = parse_meminfo(*text); mem.ok()) {
      r.node.mem_total_kb = mem->total_kb;
      r.node.mem_used_kb = mem->used_kb();
    } else {
      note(mem.status());
    }
  }
  if (auto text = read_small_file(proc_root_ + "/loadavg")) {
    if (Result<LoadAverage> load = parse_loadavg(*text); load.ok()) {
      r.node.load1 = load->one;
      r.node.load5 = load->five;
      r.node.load15 = load->fifteen;
    } else {
      note(load.status());
    }
  }

  // A shell job's CPU and memory are its process group's (process_group.hpp).
  std::unordered_set<std::int64_t> groups;
  for (const TrackedProcess& p : processes) {
    if (p.role == "job") groups.insert(p.pid);
  }
  const auto members = group_members_usage(proc_root_, groups);

  std::unordered_map<std::int64_t, Previous> seen;
  for (const TrackedProcess& p : processes) {
    const std::string dir = proc_root_ + "/" + std::to_string(p.pid);
    auto stat_text = read_small_file(dir + "/stat");
    if (!stat_text) continue;  // gone since its owner listed it
    Result<ProcessStat> stat = parse_pid_stat(*stat_text);
    if (!stat.ok()) continue;
    WorkerSample w;
    w.process = p;
    if (auto status_text = read_small_file(dir + "/status")) {
      if (Result<std::uint64_t> rss = parse_status_rss_kb(*status_text); rss.ok()) w.rss_kb = *rss;
    }
    std::uint64_t ticks = stat->utime + stat->stime;
    if (auto group = members.find(p.pid); group != members.end()) {
      // A member that exits lowers the sum: that one sample reads 0 % CPU.
      ticks += group->second.ticks;
      w.rss_kb += group->second.rss_kb;
    }
    auto before = previous_.find(p.pid);
    if (before != previous_.end() && before->second.starttime == stat->starttime &&
        now > before->second.at) {
      w.cpu_percent = process_cpu_percent(before->second.ticks, ticks,
                                          static_cast<std::uint64_t>(now - before->second.at),
                                          ticks_per_second_);
    }
    seen[p.pid] = Previous{ticks, stat->starttime, now};
    r.workers.push_back(std::move(w));
  }
  previous_ = std::move(seen);  // forget processes no longer listed
  return r;
}

}  // namespace desaster::monitor
