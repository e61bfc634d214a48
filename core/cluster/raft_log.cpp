#include "core/cluster/raft_log.hpp"

#include <algorithm>

namespace desaster::raft {

void RaftLog::reset(const SnapshotMeta& snapshot, std::vector<LogEntry> entries,
                    std::uint64_t commit) {
  snapshot_index_ = snapshot.index;
  snapshot_term_ = snapshot.term;
  entries_ = std::move(entries);
  // A commit index past the persisted log is knowledge lost with the crash;
  // a smaller one is always safe.
  committed_ = std::clamp(commit, snapshot_index_, last_index());
  persisted_ = last_index();
  hand_out_from_ = last_index() + 1;
  apply_handed_ = applied_ = snapshot_index_;
}

std::optional<std::uint64_t> RaftLog::term_at(std::uint64_t index) const {
  if (index == snapshot_index_) return snapshot_term_;
  if (index < snapshot_index_ || index > last_index()) return std::nullopt;
  return at(index).term;
}

bool RaftLog::is_up_to_date(std::uint64_t index, std::uint64_t term) const {
  const std::uint64_t mine = last_term();
  return term > mine || (term == mine && index >= last_index());
}

void RaftLog::append(LogEntry entry) {
  entry.index = last_index() + 1;
  entries_.push_back(std::move(entry));
}

std::uint64_t RaftLog::append_after(std::uint64_t prev, const std::vector<LogEntry>& entries) {
  std::uint64_t conflict = 0;
  std::size_t i = 0;
  for (; i < entries.size(); ++i) {
    const std::uint64_t index = prev + 1 + i;
    if (index <= snapshot_index_) continue;  // compacted: committed, so it matches
    const std::optional<std::uint64_t> term = term_at(index);
    if (!term) break;  // past our end: append from here
    if (*term != entries[i].term) {
      conflict = index;
      truncate_from(index);
      break;
    }
  }
  for (; i < entries.size(); ++i) {
    if (prev + 1 + i <= snapshot_index_) continue;
    entries_.push_back(entries[i]);
  }
  return conflict;
}

void RaftLog::truncate_from(std::uint64_t index) {
  entries_.resize(index - first_index());
  hand_out_from_ = std::min(hand_out_from_, index);
  persisted_ = std::min(persisted_, index - 1);
}

std::vector<LogEntry> RaftLog::slice(std::uint64_t from, std::size_t max_bytes) const {
  std::vector<LogEntry> out;
  std::size_t bytes = 0;
  for (std::uint64_t i = std::max(from, first_index()); i <= last_index(); ++i) {
    const LogEntry& e = at(i);
    if (!out.empty() && bytes + e.op.size() > max_bytes) break;
    bytes += e.op.size();
    out.push_back(e);
  }
  return out;
}

void RaftLog::compact(std::uint64_t index) {
  if (index <= snapshot_index_ || index > applied_) return;
  const std::uint64_t term = *term_at(index);
  entries_.erase(entries_.begin(),
                 entries_.begin() + static_cast<std::ptrdiff_t>(index - snapshot_index_));
  snapshot_index_ = index;
  snapshot_term_ = term;
}

void RaftLog::restore(const SnapshotMeta& snapshot) {
  entries_.clear();
  snapshot_index_ = snapshot.index;
  snapshot_term_ = snapshot.term;
  committed_ = snapshot.index;
  persisted_ = snapshot.index;  // the snapshot is persisted with the Ready that carries it
  hand_out_from_ = snapshot.index + 1;
  apply_handed_ = applied_ = snapshot.index;
}

void RaftLog::commit_to(std::uint64_t index) {
  committed_ = std::max(committed_, std::min(index, last_index()));
}

std::vector<LogEntry> RaftLog::take_unpersisted() {
  std::vector<LogEntry> out;
  for (std::uint64_t i = hand_out_from_; i <= last_index(); ++i) out.push_back(at(i));
  hand_out_from_ = last_index() + 1;
  return out;
}

void RaftLog::persisted_to(std::uint64_t index, std::uint64_t term) {
  // A conflict may have replaced the entries since they were handed out.
  if (index > persisted_ && index < hand_out_from_ && matches(index, term)) persisted_ = index;
}

std::uint64_t RaftLog::apply_limit() const {
  return std::min(committed_, hand_out_from_ - 1);
}

std::vector<LogEntry> RaftLog::take_committed() {
  std::vector<LogEntry> out;
  const std::uint64_t limit = apply_limit();
  for (std::uint64_t i = std::max(apply_handed_ + 1, first_index()); i <= limit; ++i)
    out.push_back(at(i));
  apply_handed_ = std::max(apply_handed_, limit);
  return out;
}

}  // namespace desaster::raft
