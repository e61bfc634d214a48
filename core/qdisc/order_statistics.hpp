// An ordered set that also answers "how many keys come before this one?":
// the ETA needs a job's rank in queues of millions, and std::set can only
// count by walking. A ChunkedSet counts by summing its chunks' sizes (one
// per 128 jobs) and costs a job its key's bytes, where a red-black tree
// node with a subtree size cost 64.
#pragma once

#include "core/qdisc/chunked_set.hpp"
#include "core/qdisc/qdisc.hpp"

namespace desaster::qdisc_detail {

template <typename Key, typename Less>
using RankedSet = ChunkedSet<Key, Less>;

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

inline FifoKey fifo_key(const QdiscEntryView& e) {
  return {e.head_rank, e.id};
}

}  // namespace desaster::qdisc_detail
