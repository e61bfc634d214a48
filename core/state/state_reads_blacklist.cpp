// The reads of State that monitoring and the blacklist add: the blacklist
// by queue, and the completions per node.
#include "core/state/state.hpp"
#include "core/state/state_impl.hpp"

namespace desaster {

std::vector<QueueBlacklist> State::blacklist(std::string_view queue, std::string_view search,
                                             std::size_t limit) const {
  std::vector<QueueBlacklist> listed = impl_->blacklists.list(queue, search, limit);
  std::vector<QueueBlacklist> out;
  auto next = listed.begin();
  // Merge by name with the queues that have a window but nothing listed yet.
  for (const auto& [name, q] : impl_->queues) {
    if (!queue.empty() && name != queue) continue;
    while (next != listed.end() && next->queue < name) out.push_back(std::move(*next++));
    if (next != listed.end() && next->queue == name) {
      next->window_ms = q.config.dedup_window_ms;
      out.push_back(std::move(*next++));
    } else if (q.config.dedup_window_ms != 0) {
      out.push_back(QueueBlacklist{name, q.config.dedup_window_ms, 0, {}});
    }
  }
  while (next != listed.end()) out.push_back(std::move(*next++));
  return out;
}

std::vector<std::pair<std::string, std::uint64_t>> State::jobs_run_by_node() const {
  return {impl_->jobs_run_by_node.begin(), impl_->jobs_run_by_node.end()};
}

}  // namespace desaster
