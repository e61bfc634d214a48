// The node's side of the "action" request (protocol/action_messages.hpp):
// resolves the selection to ids (a query is paged through State::list at
// the moment the request is handled, kMaxBatch ids per op), proposes one op
// per batch (delete proposes a kill of the running ones first), and answers
// once every op is applied, with counts and the first refusals.
//
// Stopping running jobs is not done here: the dispatcher does it when it
// sees the applied KillOp or RelocateOp.
//
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/node/peer.hpp"
#include "core/node/proposer.hpp"
#include "core/state/state.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster {

class JobActionHandler {
 public:
  using Clock = std::function<TimeMs()>;

  JobActionHandler(const State& state, Proposer& proposer, Clock clock)
      : state_(state), proposer_(proposer), clock_(std::move(clock)) {}

  void handle(const Peer& peer, std::uint64_t request_id, const protocol::JobAction& action);

  // The ids an action acts on: its ids, or every job its query selects (in
  // id order), in batches of at most max_batch.
  static std::vector<std::vector<JobId>> select(const State& state,
                                                const protocol::JobAction& action,
                                                std::size_t max_batch);
  // The op for one batch; delete and kill of running jobs aside (see handle()).
  static Op make_op(const protocol::JobAction& action, std::vector<JobId> ids, TimeMs now);

 private:
  const State& state_;
  Proposer& proposer_;
  Clock clock_;
};

}  // namespace desaster
