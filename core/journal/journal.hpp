// The op log on disk: the only file I/O of the core.
//
// Layout of the data dir:
//   LOCK                     flock()ed while a node uses the dir
//   journal/SEQ.log          segments; SEQ = 20-digit index of the first entry
//   snapshots/INDEX.snap     state snapshots; the newest valid one is used
//
// Group commit: append() only buffers. flush(), called once per loop turn,
// hands everything buffered to libuv's thread pool, which writes it and
// runs one fdatasync; entries appended meanwhile wait for the next flush.
// The loop never blocks on disk. When a write or sync fails, the file is cut
// back to its last durable size, every entry not yet durable is dropped, and
// the durable callback reports the failure, so the caller fails those
// requests instead of acknowledging them.
//
// Threading: every method and callback runs on the loop thread. File work
// (commits, segment rolls, snapshots, closing) runs on the thread pool one
// item at a time, in the order it was asked for.
//
// Lifetime: destroy a Journal after close() has called done. Destroying it
// earlier is safe (work in flight finishes and is then discarded, with no
// callbacks), but entries not yet durable are lost.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>
#include <uv.h>

#include "core/journal/hard_state_file.hpp"
#include "core/model/log_entry.hpp"
#include "core/model/status.hpp"

namespace desaster {

struct Snapshot {
  std::uint64_t index = 0;  // last entry the state includes
  std::uint64_t term = 0;
  std::string state;  // State::encode_snapshot()
};

struct JournalOptions {
  std::uint64_t segment_bytes = 64u << 20;  // roll to a new segment past this
  bool sync = true;                         // false only in tests that measure without fdatasync
  // A record that fails its check with intact records after it is damage,
  // not a torn write: open() refuses (corrupt, naming the file and offset)
  // unless the operator asked for the cut (--truncate-corrupt-journal),
  // which drops those records and says how many.
  bool truncate_corrupt = false;
  // A hot upgrade's new process: the data dir lock's fd the old one passed
  // (taken over, closed with the journal) instead of locking anew.
  int inherited_lock_fd = -1;
  // A group commit of at most this many record bytes that flush() starts
  // while nothing else is in flight runs right there, on the loop thread,
  // instead of on the thread pool: a lone request then costs one write and
  // one fdatasync, not two thread hand-offs (pool wake-up, async back) on top.
  // The loop waits for that one small sync; larger or overlapping commits
  // still go to the pool, where the loop keeps working during the sync.
  // Durability is the same: the callback still runs after fdatasync returns.
  // 0: always the pool. The durable callback then runs inside flush(), so
  // only a caller that allows that sets it (a standalone node).
  std::size_t inline_commit_bytes = 0;

  // Test-only fault injection (beanstalkd's falloc): when set, these replace
  // write(2) and fdatasync(2) for the records of a group commit, so tests can
  // simulate a full disk (return -1 and set errno). They run on the thread
  // pool. Segment headers, snapshots and the cut-back after a failure always
  // use the real calls.
  std::function<ssize_t(int fd, const void* data, std::size_t size)> write_hook;
  std::function<int(int fd)> sync_hook;
};

// What open() found on disk.
struct Recovery {
  std::optional<Snapshot> snapshot;
  std::vector<LogEntry> entries;        // after the snapshot, in index order
  std::uint64_t truncated_bytes = 0;    // torn or corrupt tail cut off
  std::vector<std::string> notes;       // one log line each: what was cut and why
  std::optional<HardState> hard_state;  // nullopt: this node never saved one
};

class Journal {
 public:
  // Called after each group commit: on success, entries up to last_index are
  // durable; on failure, entries from first_failed on were dropped.
  using DurableCallback = std::function<void(const Status& status, std::uint64_t last_index,
                                             std::uint64_t first_failed)>;

  // Locks the data dir (unavailable "data dir D is in use by another desaster
  // (pid N)" when another node has it), creates what is missing, loads the
  // newest snapshot and the entries after it, and truncates a torn tail.
  // Blocks: call it before the loop runs. Fails with corrupt, and cuts
  // nothing, when entries between the snapshot and the journal are missing.
  static Result<std::unique_ptr<Journal>> open(uv_loop_t* loop, const std::string& data_dir,
                                               const JournalOptions& options, Recovery& recovery);
  ~Journal();

  void set_durable_callback(DurableCallback callback);
  // Called on the loop thread after each group commit's fdatasync succeeded,
  // with how long it took (the metrics' journal sync histogram). It must not
  // destroy the Journal.
  void set_sync_observer(std::function<void(double seconds)> observer);

  // Buffers an entry. Refused (and nothing buffered) when its index is not
  // last_index() + 1 or its term is below last_term() (conflict), when it is
  // over kMaxRecordBytes encoded (bad_request), or after close() or a failure
  // that left the segment in an unknown state (unavailable).
  Status append(LogEntry entry);
  // Raft's follower truncation: like append(), but entry.index may be at or
  // below last_index(), and then it replaces every entry from its index on
  // (previous_term is the term of the entry before it, which stays). The
  // journal stays append-only: the replacing record follows the old ones,
  // and recovery lets a record with a lower index supersede the tail from
  // that index. Refused at or below the last snapshot (committed entries are
  // never replaced) and past last_index() + 1.
  Status append_replacing(LogEntry entry, std::uint64_t previous_term);
  // Starts a group commit of what append() buffered, unless one is running
  // (then it starts when that one ends). Cheap when there is nothing to do.
  // With inline_commit_bytes, a small commit may finish (and its durable
  // callback run) before flush() returns.
  void flush();

  std::uint64_t last_index() const;     // last appended (maybe not yet durable)
  std::uint64_t durable_index() const;  // last known durable
  std::uint64_t last_term() const;
  bool busy() const;  // a write, sync or snapshot is in flight

  // Writes a snapshot (serialized by the caller) on the thread pool, then
  // deletes segments and older snapshots it makes unnecessary. Its index must
  // not be past durable_index() when its turn comes (else conflict). done
  // runs from the loop, except after close(), when it runs at once with
  // unavailable.
  void write_snapshot(Snapshot snapshot, std::function<void(const Status&)> done);
  // A follower catching up from the leader's snapshot: writes it, then drops
  // the whole log and starts an empty segment after it. Entries appended but
  // not yet committed are dropped at once, so last_index() is the snapshot's
  // and appends may follow straight away; they are written after it.
  // A crash in between is safe: recovery drops entries from the snapshot's
  // index on when the entry there has another term than the snapshot's.
  void install_snapshot(Snapshot snapshot, std::function<void(const Status&)> done);
  // Saves Raft's term and vote durably (DATA_DIR/HARD_STATE), in order with
  // the commits asked for before it.
  void save_hard_state(HardState state, std::function<void(const Status&)> done);
  // Record bytes appended since the last snapshot was asked for (roughly the
  // journal a restart would replay), for the caller's snapshot policy.
  std::uint64_t bytes_since_snapshot() const;
  // The data dir lock's fd (a hot upgrade passes it to the next process).
  int lock_fd() const;

  // Commits what is buffered, finishes in-flight work, closes the files and
  // releases the data dir lock, then calls done from the loop. No appends
  // after this.
  void close(std::function<void()> done);

 private:
  struct Impl;
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace desaster
