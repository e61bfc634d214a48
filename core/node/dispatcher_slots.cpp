// How many worker slots on this node serve a queue, for the ETA; each
// worker's free and busy slots, for /metrics.
#include <algorithm>
#include <optional>

#include "core/node/dispatcher.hpp"

namespace desaster {

namespace {

bool serves(const std::vector<std::string>& queues, const std::string& queue) {
  return std::any_of(queues.begin(), queues.end(),
                     [&](const std::string& q) { return q == "*" || q == queue; });
}

bool serves(const std::vector<PoolQueue>& queues, const std::string& queue) {
  return std::any_of(queues.begin(), queues.end(),
                     [&](const PoolQueue& q) { return q.name == "*" || q.name == queue; });
}

}  // namespace

// Counted as the lease planner sees workers: a pool's workers serve what
// the state assigns their pool on their node, and a paused pool or a
// draining node serves nothing.
std::uint32_t Dispatcher::slots_for(const std::string& queue) const {
  const Assignments& assignments = state_.assignments();
  std::uint64_t slots = 0;
  for (const auto& [peer, w] : workers_) {
    const WorkerCredit& c = w.credit;
    if (assignments.node_draining(c.node)) continue;
    bool serving = false;
    if (!c.pool.empty()) {
      if (assignments.pool_paused(c.pool, c.node)) continue;
      std::optional<std::vector<PoolQueue>> queues = state_.pool_queues(c.pool, c.node);
      serving = queues ? serves(*queues, queue) : serves(c.queues, queue);
    } else {
      serving = serves(c.queues, queue);
    }
    if (serving) slots += c.free + w.leases.size();
  }
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(slots, UINT32_MAX));
}

std::vector<WorkerSlots> Dispatcher::worker_slots() const {
  std::vector<WorkerSlots> out;
  out.reserve(workers_.size());
  for (const auto& [peer, w] : workers_) {
    out.push_back(WorkerSlots{
        w.credit.node, w.credit.worker, w.credit.pool, w.credit.free,
        static_cast<std::uint32_t>(std::min<std::size_t>(w.leases.size(), UINT32_MAX))});
  }
  std::sort(out.begin(), out.end(),
            [](const WorkerSlots& a, const WorkerSlots& b) { return a.worker < b.worker; });
  return out;
}

}  // namespace desaster
