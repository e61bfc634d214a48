// The timed de-duplication blacklist of every queue (replicated state, held
// by the State): which job identities (dedup_identity.hpp) were enqueued or
// processed within the queue's window (QueueConfig::dedup_window_ms), so
// that a duplicate inside the window is refused.
//
// Entries expire by themselves: one index orders all of them by expiry, and
// expire(now), called with every op's timestamp, drops the ones it passed,
// so the cost per op is one look at the front plus the entries dropped;
// nothing scans the whole list. Changing a queue's window re-keys that
// queue's entries (an operator op, rare); a window of 0 forgets them.
// Pure: time is passed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/model/job.hpp"

namespace desaster {

struct BlacklistEntry {
  std::string identity;
  JobId job = 0;           // the job that last carried the identity
  TimeMs seen_at = 0;      // when it was enqueued or last processed
  TimeMs expires_at = 0;   // seen_at + the queue's window
  bool processed = false;  // seen_at is a completion, not an enqueue
};

// One queue's part, as listed to clients and stored in snapshots.
struct QueueBlacklist {
  std::string queue;
  std::uint64_t window_ms = 0;  // filled in by State from the queue's config
  std::uint64_t rejections = 0;
  std::vector<BlacklistEntry> entries;  // by identity
};

class Blacklists {
 public:
  // The live entry of `identity` in `queue`, if any.
  const BlacklistEntry* find(std::string_view queue, std::string_view identity) const;
  // Records (or refreshes) an identity seen at `now`; no-op for window 0.
  void record(const std::string& queue, const std::string& identity, JobId job, TimeMs now,
              std::uint64_t window_ms, bool processed);
  // Drops every entry whose expiry is at or before now.
  void expire(TimeMs now);
  // Re-keys a queue's entries for a new window (0 drops them all).
  void set_window(std::string_view queue, std::uint64_t window_ms);
  // Removes one identity, or all of a queue's entries (identity empty), or
  // every queue's (queue empty too). Returns the number removed.
  std::size_t clear(std::string_view queue, std::string_view identity);
  // Forgets a deleted queue, its counter included.
  void drop_queue(std::string_view queue);
  void count_rejection(const std::string& queue);

  std::uint64_t rejections(std::string_view queue) const;
  std::size_t size() const { return expiry_.size(); }
  // Queues with entries or rejections, by name; entries whose identity
  // contains `search` (all when empty), at most `limit` per queue.
  std::vector<QueueBlacklist> list(std::string_view queue, std::string_view search,
                                   std::size_t limit) const;
  // Snapshot support: every queue, every entry.
  std::vector<QueueBlacklist> dump() const { return list({}, {}, SIZE_MAX); }
  // Restores one queue from a snapshot; expiry_at of each entry is kept.
  void restore(const QueueBlacklist& queue);

 private:
  struct PerQueue {
    std::map<std::string, BlacklistEntry, std::less<>> entries;
    std::uint64_t rejections = 0;
  };
  using ExpiryKey = std::tuple<TimeMs, std::string, std::string>;  // expires_at, queue, identity

  void erase(PerQueue& q, const std::string& queue_name,
             std::map<std::string, BlacklistEntry, std::less<>>::iterator it);

  std::map<std::string, PerQueue, std::less<>> queues_;
  std::set<ExpiryKey> expiry_;
};

// "2026-11-28T05:49:26.123Z" for a ms timestamp: the blacklist's errors name
// when an identity was seen in a form people read.
std::string format_utc_ms(TimeMs ms);

}  // namespace desaster
