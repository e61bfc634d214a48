// The disciplines that are one total order over the ready jobs: fifo and
// priority. The order is fixed when a job enters, so plan() walks the front
// of one ordered set (order_statistics.hpp), and a job's rank (for its ETA)
// comes from the sizes of the set's chunks.
#pragma once

#include <memory>

#include "core/qdisc/qdisc.hpp"

namespace desaster {

// fifo: released jobs first (the latest first), then by id, which is time
// ordered. Priorities are ignored.
std::unique_ptr<Qdisc> make_fifo_qdisc(const QdiscConfig& config);

// priority: higher priority first; within a priority released jobs, then by
// id. With aging, a job gains one priority per aging_ms it has waited since
// it became ready. The gain is continuous (half an aging period is half a
// priority), which makes a job's standing independent of `now`: job a is
// ahead of b when p_a + (now - r_a)/A > p_b + (now - r_b)/A, that is when
// p_a*A - r_a > p_b*A - r_b. So the order is still fixed at insert, plan()
// stays O(log n) and nothing is re-sorted as time passes. Ties (the same
// score) go to released jobs, then by id.
std::unique_ptr<Qdisc> make_priority_qdisc(const QdiscConfig& config);

}  // namespace desaster
