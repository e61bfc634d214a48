// The worker assignment reads of State: what the lease planner and the
// "assign" list request ask about pools and nodes.
#include "core/state/state_impl.hpp"

namespace desaster {

const Assignments& State::assignments() const {
  return impl_->assignments;
}

std::optional<std::vector<PoolQueue>> State::pool_queues(std::string_view name,
                                                         std::string_view node) const {
  const PoolSpec* spec = name == kShellPool ? nullptr : pool(name);
  if (name != kShellPool && spec == nullptr) return std::nullopt;
  if (auto attached = impl_->assignments.attached_queues(name, node)) return attached;
  if (spec != nullptr && !spec->queues.empty()) return spec->queues;
  return std::vector<PoolQueue>{PoolQueue{"*", 1}};
}

}  // namespace desaster
