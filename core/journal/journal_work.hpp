// The file work of a Journal, run on libuv's thread pool one item at a time:
// a group commit (maybe starting a new segment first), a snapshot with the
// cleanup it allows, and the final close. Each item owns everything it
// touches while it runs; the loop thread reads the results afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/journal/data_dir_lock.hpp"
#include "core/journal/file_util.hpp"
#include "core/journal/journal.hpp"
#include "core/journal/segment_file.hpp"

namespace desaster {

struct CommitWork {
  // In.
  int segment_fd = -1;             // the current segment, owned by the Journal
  std::uint64_t durable_size = 0;  // its size before this commit
  std::string bytes;               // the encoded records
  std::uint64_t first_index = 0;   // of the records
  std::uint64_t last_index = 0;
  std::uint64_t last_term = 0;
  bool roll = false;  // write into a new segment named after first_index
  std::string journal_dir;
  bool sync = true;
  journal_fs::WriteFunction write_hook;
  std::function<int(int)> sync_hook;
  // Out.
  journal_fs::FileDescriptor new_segment;  // the segment rolled to, also on failure
  Status status;
  bool cut_back_failed = false;  // the segment may hold a partial tail
  double sync_seconds = -1;      // how long the fdatasync took; -1: none ran or it failed
};

// Appends the records and syncs them; on failure cuts the segment back to
// the size it had, so nothing of this commit survives a restart.
void run_commit(CommitWork& work);

struct SnapshotWork {
  // In.
  Snapshot snapshot;
  std::string snapshots_dir;
  std::string journal_dir;
  std::vector<SegmentName> obsolete;  // segments to delete once it is durable
  Status precheck;                    // not ok: write nothing, report this
  // Out.
  Status status;
  std::size_t deleted = 0;  // leading entries of obsolete that are gone
};

void run_snapshot(SnapshotWork& work);

struct InstallWork {
  // In.
  Snapshot snapshot;
  std::string snapshots_dir;
  std::string journal_dir;
  journal_fs::FileDescriptor segment;  // the current segment, closed here
  std::vector<SegmentName> segments;   // every segment, all deleted once the snapshot is durable
  // Out.
  journal_fs::FileDescriptor new_segment;  // named snapshot.index + 1
  Status status;
};

// Writes the snapshot, then replaces the log with one empty segment after it.
void run_install(InstallWork& work);

struct HardStateWork {
  std::string data_dir;
  HardState state;
  Status status;
};

void run_hard_state(HardStateWork& work);

struct CloseWork {
  journal_fs::FileDescriptor segment;
  DataDirLock lock;
};

void run_close(CloseWork& work);

}  // namespace desaster
