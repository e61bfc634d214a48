// sfq: fairness across flows by deficit round robin. Flows holding jobs
// form a ring; the flow at the front takes up to `quantum` jobs (FIFO within
// the flow, released jobs first), then goes to the back. A flow with a
// million jobs therefore delays a flow with ten by at most `quantum` jobs per
// turn. A flow that empties leaves the ring and its unused turn is forgotten;
// a new flow joins at the back.
//
// The ring's order and the front flow's remaining turn are the replicated
// accounting. They change in on_dispatched (the front takes a job; a flow
// served out of turn, because the planner passed over jobs no worker could
// run, goes to the back) and as flows join and leave with insert and erase.
//
// Cost: insert, erase, on_dispatched O(log n + log F); plan visits only the
// flows it takes jobs from; turn_of is O(log n + F) for F flows.
#pragma once

#include <memory>

#include "core/qdisc/qdisc.hpp"

namespace desaster {

std::unique_ptr<Qdisc> make_sfq_qdisc(const QdiscConfig& config);

}  // namespace desaster
