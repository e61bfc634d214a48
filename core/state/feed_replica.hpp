// A replica of a node's State kept from the state feed (the ZeroMQ Guide's
// Clone pattern, subscriber side), without any I/O: the caller hands it a
// snapshot and the feed's entries as they come, in any order, and asks it
// which range it is missing.
//
// Rules: entries apply strictly in index order, each exactly once. An entry
// at or below the replica's index is a duplicate and is ignored; one ahead
// of the next index waits in a bounded buffer until the entries before it
// come (gap() names them). Entries that come before the first snapshot wait
// too: a subscriber subscribes first and takes the snapshot second, so the
// snapshot's index usually falls inside what it buffered, and the buffer's
// part above it applies at once. A Raft membership change (EntryKind::
// config_change) moves the index on without touching the State.
//
// needs_snapshot() turns true when the replica cannot go on from entries
// alone: the buffer overflowed (a gap nobody filled) or an entry's op did
// not decode. The caller then loads a fresh snapshot.
//
// Threading: one thread; no locks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string_view>

#include "core/model/log_entry.hpp"
#include "core/model/status.hpp"
#include "core/state/op.hpp"
#include "core/state/state.hpp"

namespace desaster {

// Entries the replica needs, both ends inclusive.
struct FeedGap {
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  bool operator==(const FeedGap&) const = default;
};

enum class FeedOffer : std::uint8_t {
  applied,    // it (and any buffered successors) applied
  buffered,   // ahead of the next index, or no snapshot yet: waits
  duplicate,  // at or below the replica's index, or already buffered: ignored
  dropped,    // the buffer was full: the replica now needs a snapshot
};

class FeedReplica {
 public:
  // Runs for every op applied, in index order (not for config changes).
  using OnApplied =
      std::function<void(const LogEntry& entry, const Op& op, const ApplyResult& result)>;

  static constexpr std::size_t kDefaultMaxBuffered = 100'000;
  explicit FeedReplica(std::size_t max_buffered = kDefaultMaxBuffered);

  void set_on_applied(OnApplied on_applied) { on_applied_ = std::move(on_applied); }

  // Replaces the state with a node's snapshot taken at (index, term), drops
  // the buffered entries it covers and applies the buffered ones that follow
  // it. An error (the bytes do not decode) leaves the replica as it was.
  Status load_snapshot(std::uint64_t index, std::uint64_t term, std::string_view snapshot);
  // Offers one entry of the feed. An error means its op did not decode; the
  // replica then needs a snapshot.
  Result<FeedOffer> offer(LogEntry entry);

  // The entries missing between the replica's index and its first buffered
  // entry; none when nothing waits or before the first snapshot.
  std::optional<FeedGap> gap() const;
  bool has_snapshot() const { return has_snapshot_; }
  bool needs_snapshot() const { return !has_snapshot_ || needs_snapshot_; }
  std::uint64_t index() const { return index_; }
  std::uint64_t term() const { return term_; }
  std::size_t buffered() const { return buffered_.size(); }
  const State& state() const { return state_; }

 private:
  Status apply(const LogEntry& entry);
  Status drain();

  std::size_t max_buffered_;
  State state_;
  std::uint64_t index_ = 0;
  std::uint64_t term_ = 0;
  bool has_snapshot_ = false;
  bool needs_snapshot_ = false;
  std::map<std::uint64_t, LogEntry> buffered_;
  OnApplied on_applied_;
};

}  // namespace desaster
