// How many worker slots on this node serve a queue, for the ETA.
#include <algorithm>

#include "core/node/dispatcher.hpp"

namespace desaster {

std::uint32_t Dispatcher::slots_for(const std::string& queue) const {
  std::uint64_t slots = 0;
  for (const auto& [peer, w] : workers_) {
    const auto& queues = w.credit.queues;
    bool serves = std::any_of(queues.begin(), queues.end(),
                              [&](const std::string& q) { return q == "*" || q == queue; });
    if (serves) slots += w.credit.free + w.leases.size();
  }
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(slots, UINT32_MAX));
}

}  // namespace desaster
