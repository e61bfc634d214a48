#include "core/node/leadership_handoff.hpp"

#include <algorithm>
#include <utility>

namespace desaster {

void LeadershipHandoff::begin(const std::string& node, Done done) {
  Result<std::string> to = raft_.transfer_leadership(node);
  if (!to.ok()) {
    done(to.status());
    return;
  }
  if (*to == raft_.self_hex()) {
    done(protocol::TransferLeadershipReply{*to, *to, *to, raft_.term()});
    return;
  }
  waiting_.push_back({*to, raft_.term(), std::move(done)});
}

void LeadershipHandoff::begin_when(std::function<bool()> ready, const std::string& node,
                                   Done done) {
  deferred_ = Deferred{std::move(ready), node, std::move(done)};
}

void LeadershipHandoff::on_turn() {
  if (deferred_ && deferred_->settle_to == 0 && deferred_->ready())
    deferred_->settle_to = std::max<std::uint64_t>(raft_.last_index(), 1);
  // Settled: what was proposed up to then is answered (the writes after it
  // are held), or the node no longer leads (begin says so).
  if (deferred_ && deferred_->settle_to > 0 &&
      (!raft_.leading() || raft_.answered_through(deferred_->settle_to))) {
    Deferred d = std::move(*deferred_);
    deferred_.reset();
    begin(d.node, std::move(d.done));
  }
  if (waiting_.empty()) return;
  const bool leads = raft_.leading();
  if (leads && raft_.transferee() == waiting_.front().to) return;  // still under way
  std::vector<Waiting> finished = std::move(waiting_);
  waiting_.clear();
  for (Waiting& w : finished) {
    if (leads && raft_.term() == w.term) {
      w.done(Status::error(ErrorCode::unavailable,
                           "leadership transfer to " + w.to +
                               " abandoned: it did not take over within an election timeout; "
                               "this node still leads"));
    } else {
      w.done(
          protocol::TransferLeadershipReply{raft_.self_hex(), w.to, raft_.leader(), raft_.term()});
    }
  }
}

}  // namespace desaster
