// What the node's resource monitor samples (the processes of its shell and
// Ruby pools) and how it answers "resources": the latest sample, the
// history asked for and the completions per node from the replicated state.
#pragma once

#include <string>
#include <vector>

#include "core/state/state.hpp"
#include "transport/protocol/replies.hpp"
#include "workers/monitor/resource_monitor.hpp"

namespace desaster {

class ShellPool;
namespace ruby_pool {
class PoolManager;
}

// Shell jobs running now (their process group leaders) and every Ruby
// pool's master and workers on this node.
std::vector<monitor::TrackedProcess> tracked_processes(const ShellPool* shell,
                                                       const ruby_pool::PoolManager* ruby);

protocol::ResourcesReply make_resources_reply(const monitor::ResourceMonitor& monitor,
                                              const State& state, const ShellPool* shell,
                                              const std::string& node_id,
                                              const protocol::Resources& request, TimeMs now);

// Hands the latest sample of each process to its pool, which enforces its
// memory and CPU limits (workers/monitor/over_limit.hpp).
void enforce_limits(const monitor::Reading& reading, ShellPool* shell, ruby_pool::PoolManager* ruby,
                    TimeMs now);

}  // namespace desaster
