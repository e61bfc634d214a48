// Raft's log in memory: the entries after the last snapshot, plus the
// bookkeeping of what the caller has been handed to persist and to apply.
//
//   snapshot index < ... persisted ... < hand-out point ... <= last index
//   applied <= apply hand-out <= committed
//
// Entries are handed out once for persisting (take_unpersisted); a conflict
// that truncates the log moves the hand-out point back so the replacement
// is handed out too, and persisted_to() ignores an acknowledgement for
// entries that were replaced in between.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/cluster/raft_types.hpp"
#include "core/model/log_entry.hpp"

namespace desaster::raft {

class RaftLog {
 public:
  // The log as read back from disk: all of it is persisted, and nothing
  // after the snapshot is applied yet (the state machine restarts from it).
  void reset(const SnapshotMeta& snapshot, std::vector<LogEntry> entries, std::uint64_t commit);

  std::uint64_t snapshot_index() const { return snapshot_index_; }
  std::uint64_t snapshot_term() const { return snapshot_term_; }
  std::uint64_t first_index() const { return snapshot_index_ + 1; }
  std::uint64_t last_index() const { return snapshot_index_ + entries_.size(); }
  std::uint64_t last_term() const { return *term_at(last_index()); }
  // The term of the entry at index; none if compacted away or beyond the end.
  std::optional<std::uint64_t> term_at(std::uint64_t index) const;
  bool matches(std::uint64_t index, std::uint64_t term) const { return term_at(index) == term; }
  // Raft's "at least as up to date as mine" for a vote request.
  bool is_up_to_date(std::uint64_t index, std::uint64_t term) const;
  const LogEntry& at(std::uint64_t index) const { return entries_[index - first_index()]; }

  // Leader: entries whose index is last_index()+1 onward.
  void append(LogEntry entry);
  // Follower: entries that follow the matching entry at prev. Keeps what
  // agrees, truncates from the first conflict, appends the rest. Returns the
  // first conflicting index (0 if none); a conflict at or below the commit
  // index is a safety violation the caller reports.
  std::uint64_t append_after(std::uint64_t prev, const std::vector<LogEntry>& entries);
  // Entries from `from` on, at most max_bytes of ops (but at least one).
  std::vector<LogEntry> slice(std::uint64_t from, std::size_t max_bytes) const;

  void compact(std::uint64_t index);           // index <= applied
  void restore(const SnapshotMeta& snapshot);  // replaces everything

  std::uint64_t committed() const { return committed_; }
  void commit_to(std::uint64_t index);
  std::uint64_t persisted() const { return persisted_; }
  std::uint64_t applied() const { return applied_; }

  bool has_unpersisted() const { return hand_out_from_ <= last_index(); }
  std::vector<LogEntry> take_unpersisted();
  void persisted_to(std::uint64_t index, std::uint64_t term);

  // Committed entries handed out for applying; never beyond what has been
  // handed out to persist (the caller persists before it applies).
  bool has_committed() const { return apply_limit() > apply_handed_; }
  std::vector<LogEntry> take_committed();
  void applied_to(std::uint64_t index) { applied_ = std::max(applied_, index); }

 private:
  std::uint64_t apply_limit() const;
  void truncate_from(std::uint64_t index);

  std::uint64_t snapshot_index_ = 0;
  std::uint64_t snapshot_term_ = 0;
  std::vector<LogEntry> entries_;
  std::uint64_t committed_ = 0;
  std::uint64_t persisted_ = 0;
  std::uint64_t hand_out_from_ = 1;
  std::uint64_t apply_handed_ = 0;
  std::uint64_t applied_ = 0;
};

}  // namespace desaster::raft
