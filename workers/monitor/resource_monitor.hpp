// The node's resource monitor: once a second (the node's housekeeping
// timer calls tick) it samples /proc for the node and the processes its
// pools run jobs in, and keeps the rolling history the "resources" request
// serves.
//
// Threading: loop thread only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "workers/monitor/resource_history.hpp"
#include "workers/monitor/resource_sampler.hpp"

namespace desaster::monitor {

class ResourceMonitor {
 public:
  // lister: the processes to sample now (shell jobs, Ruby masters and workers).
  using Lister = std::function<std::vector<TrackedProcess>()>;
  explicit ResourceMonitor(Lister lister, std::string proc_root = "/proc")
      : lister_(std::move(lister)), sampler_(std::move(proc_root)) {}

  void tick(TimeMs now) {
    current_ = sampler_.sample(now, lister_ ? lister_() : std::vector<TrackedProcess>{});
    history_.add(current_.node);
    ++samples_;
  }

  const Reading& current() const { return current_; }
  const ResourceHistory& history() const { return history_; }
  std::uint64_t samples() const { return samples_; }

 private:
  Lister lister_;
  ResourceSampler sampler_;
  ResourceHistory history_;
  Reading current_;
  std::uint64_t samples_ = 0;
};

}  // namespace desaster::monitor
