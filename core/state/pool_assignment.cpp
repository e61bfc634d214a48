// Resolving a pool's queue list and pause state on one node from the
// cluster-wide and per-node entries.
#include "core/state/pool_assignment.hpp"

#include "core/model/queue.hpp"

namespace desaster {

namespace {

const std::map<std::string, std::uint32_t>* find_attached(const Assignments& a,
                                                          std::string_view pool,
                                                          std::string_view node) {
  auto it = a.attached.find(PoolPlace{std::string(pool), std::string(node)});
  return it == a.attached.end() ? nullptr : &it->second;
}

}  // namespace

std::optional<std::vector<PoolQueue>> Assignments::attached_queues(std::string_view pool,
                                                                   std::string_view node) const {
  const auto* everywhere = find_attached(*this, pool, "");
  const auto* here = node.empty() ? nullptr : find_attached(*this, pool, node);
  if (everywhere == nullptr && here == nullptr) return std::nullopt;
  std::map<std::string, std::uint32_t> merged;
  if (everywhere) merged = *everywhere;
  if (here)
    for (const auto& [queue, weight] : *here) merged[queue] = weight;
  std::vector<PoolQueue> out;
  out.reserve(merged.size());
  for (const auto& [queue, weight] : merged) out.push_back(PoolQueue{queue, weight});
  return out;
}

bool Assignments::pool_paused(std::string_view pool, std::string_view node) const {
  if (paused.count(PoolPlace{std::string(pool), std::string()}) > 0) return true;
  return !node.empty() && paused.count(PoolPlace{std::string(pool), std::string(node)}) > 0;
}

bool Assignments::node_draining(std::string_view node) const {
  return draining.count(std::string(node)) > 0;
}

void Assignments::forget_pool(const std::string& pool) {
  auto same_pool = [&](const PoolPlace& place) { return place.first == pool; };
  std::erase_if(attached, [&](const auto& entry) { return same_pool(entry.first); });
  std::erase_if(paused, same_pool);
}

std::string check_attachment(const std::string& queue, std::uint32_t weight) {
  if (queue != "*") {
    if (std::string error = check_queue_name(queue); !error.empty()) return error;
  }
  if (weight == 0 || weight > kMaxQueueWeight) {
    return "weight " + std::to_string(weight) + " is outside 1.." + std::to_string(kMaxQueueWeight);
  }
  return {};
}

}  // namespace desaster
