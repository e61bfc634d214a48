// Hands a clustered node's leadership to another voter and says when it is
// done: "transfer_leadership" requests and a leader's hot upgrade use it.
// The Raft core does the transfer (core/cluster/raft_transfer.cpp); this
// only waits for its outcome, checked once per loop turn: the node stopped
// leading (done, naming who leads now), or the core abandoned the transfer
// after an election timeout (unavailable) while this node leads on.
//
// Threading: loop thread only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/model/status.hpp"
#include "core/node/raft_driver.hpp"
#include "transport/protocol/transfer_messages.hpp"

namespace desaster {

class LeadershipHandoff {
 public:
  using Done = std::function<void(const Result<protocol::TransferLeadershipReply>&)>;

  explicit LeadershipHandoff(RaftDriver& raft) : raft_(raft) {}

  // Starts a transfer to `node` (hex id, a unique prefix of 4+ digits, or
  // empty for the most up-to-date voter); done is called once, now if it is
  // refused or if this node is the target, else from on_turn.
  void begin(const std::string& node, Done done);
  // The same, once `ready` holds (checked every turn): a hot upgrade waits
  // until no job runs anywhere, since a new leader runs again the jobs
  // leased in an older term (LeaderStartOp). Once ready, the node holds
  // new writes (holds_writes) and the transfer waits until every proposal
  // made so far is answered: a write pending at the step-down would be
  // answered "may have been applied", a client error. cancel() drops a
  // start that has not happened yet.
  void begin_when(std::function<bool()> ready, const std::string& node, Done done);
  void cancel() { deferred_.reset(); }
  void on_turn();
  bool active() const { return !waiting_.empty() || deferred_.has_value(); }
  // Writes wait (HeldWrites) while the proposals before a transfer settle.
  bool holds_writes() const { return deferred_ && deferred_->settle_to > 0; }

 private:
  struct Waiting {
    std::string to;
    std::uint64_t term;
    Done done;
  };
  struct Deferred {
    std::function<bool()> ready;
    std::string node;
    Done done;
    std::uint64_t settle_to = 0;  // >0: ready; waits for the proposals up to it
  };
  RaftDriver& raft_;
  std::vector<Waiting> waiting_;
  std::optional<Deferred> deferred_;
};

}  // namespace desaster
