// An ordered set that also answers "how many keys come before this one?" in
// O(log n): the ETA needs a job's rank in queues of millions, and std::set
// can only count by walking. libstdc++'s policy-based red-black tree keeps a
// subtree size in each node for that.
#pragma once

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>

#include "core/qdisc/qdisc.hpp"

namespace desaster::qdisc_detail {

template <typename Key, typename Less>
using RankedSet = __gnu_pbds::tree<Key, __gnu_pbds::null_type, Less, __gnu_pbds::rb_tree_tag,
                                   __gnu_pbds::tree_order_statistics_node_update>;

// FIFO with released jobs first: a nonzero head rank (the latest first), then by id.
struct FifoKey {
  std::uint64_t head_rank = 0;
  JobId id = 0;
};

struct FifoOrder {
  bool operator()(const FifoKey& a, const FifoKey& b) const {
    if (a.head_rank != b.head_rank) return a.head_rank > b.head_rank;
    return a.id < b.id;
  }
};

using FifoSet = RankedSet<FifoKey, FifoOrder>;

inline FifoKey fifo_key(const QdiscEntry& e) {
  return {e.head_rank, e.id};
}

}  // namespace desaster::qdisc_detail
