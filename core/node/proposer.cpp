#include "core/node/proposer.hpp"

#include <algorithm>

#include "core/state/op_codec.hpp"

namespace desaster {

Proposer::Proposer(Journal& journal, State& state, Logger& log, Clock clock)
    : journal_(journal), state_(state), log_(log), clock_(std::move(clock)) {
  journal_.set_durable_callback(
      [this](const Status& status, std::uint64_t last_index, std::uint64_t first_failed) {
        on_durable(status, last_index, first_failed);
      });
}

void Proposer::propose(Op op, Done done) {
  if (forward_) {
    forward_(std::move(op), std::move(done));
    return;
  }
  LogEntry entry;
  entry.term = term_;
  entry.index = journal_.last_index() + 1;
  // Op timestamps never go backwards, even if the wall clock does: retry and
  // expiry decisions compare them.
  last_timestamp_ = std::max(last_timestamp_, clock_());
  entry.timestamp = last_timestamp_;
  entry.op = encode_op(op);
  const std::uint64_t index = entry.index;
  const TimeMs timestamp = entry.timestamp;
  std::string bytes = entry_hook_ ? entry.op : std::string();
  if (Status s = journal_.append(std::move(entry)); !s.ok()) {
    log_.error("journal refused entry " + std::to_string(index) + ": " + s.message);
    if (done) done(s, ApplyResult{});
    return;
  }
  if (!unflushed_) unflushed_since_ = timestamp;
  unflushed_ = true;
  if (!std::holds_alternative<LeaseOp>(op)) unflushed_urgent_ = true;
  pending_.push_back(Pending{index, timestamp, std::move(op), std::move(done), std::move(bytes)});
}

bool Proposer::may_defer_flush(TimeMs now) const {
  // A wall clock that went back since is no reason to wait longer.
  return unflushed_ && !unflushed_urgent_ && now >= unflushed_since_ && now < deferred_flush_due();
}

void Proposer::on_durable(const Status& status, std::uint64_t last_index,
                          std::uint64_t first_failed) {
  while (!pending_.empty() && pending_.front().index <= last_index) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    ApplyResult result = state_.apply(p.op, ApplyContext{term_, p.index, p.timestamp});
    if (applied_hook_) applied_hook_(p.op, result);
    if (entry_hook_) entry_hook_(LogEntry{term_, p.index, p.timestamp, std::move(p.bytes)});
    if (p.done) p.done(Status::success(), result);
  }
  if (status.ok()) return;
  log_.error("journal: " + status.message + "; failing " + std::to_string(pending_.size()) +
             " unacknowledged ops from index " + std::to_string(first_failed));
  // Every op from first_failed on was dropped by the journal; none is applied.
  std::deque<Pending> failed;
  failed.swap(pending_);
  for (Pending& p : failed)
    if (p.done) p.done(status, ApplyResult{});
}

Status Proposer::replay(const std::vector<LogEntry>& entries) {
  for (const LogEntry& entry : entries) {
    if (entry.index <= state_.applied_index()) continue;
    Result<Op> op = decode_op(entry.op);
    if (!op.ok()) {
      return Status::error(ErrorCode::corrupt, "journal entry " + std::to_string(entry.index) +
                                                   " does not decode: " + op.status().message);
    }
    state_.apply(*op, ApplyContext{entry.term, entry.index, entry.timestamp});
    last_timestamp_ = std::max(last_timestamp_, entry.timestamp);
  }
  return {};
}

}  // namespace desaster
