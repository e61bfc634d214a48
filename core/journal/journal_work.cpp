// Thread-pool side of the journal (see journal_work.hpp).
#include "core/journal/journal_work.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "core/journal/record_codec.hpp"
#include "core/journal/snapshot_file.hpp"

namespace desaster {

namespace {

// The errno of a failed call, never 0: a test hook may forget to set it.
int last_error() {
  return errno != 0 ? errno : EIO;
}

}  // namespace

void run_commit(CommitWork& work) {
  int fd = work.segment_fd;
  std::uint64_t durable_size = work.durable_size;
  if (work.roll) {
    auto created = create_segment(work.journal_dir, work.first_index);
    if (!created.ok()) {
      work.status = created.status();  // nothing written; the old segment is as it was
      return;
    }
    work.new_segment = std::move(*created);
    fd = work.new_segment.get();
    durable_size = kSegmentHeaderBytes;
  }

  const char* what = "journal write failed";
  errno = 0;
  int error = journal_fs::write_all(fd, work.bytes, work.write_hook);
  if (error == 0 && work.sync) {
    errno = 0;
    // A monotonic clock on the I/O side: the metric is what the disk made
    // the commit wait, and the state machine never sees it.
    const auto started = std::chrono::steady_clock::now();
    const int synced = work.sync_hook ? work.sync_hook(fd) : ::fdatasync(fd);
    if (synced != 0) {
      error = last_error();
      what = "journal sync failed";
    } else {
      work.sync_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
  }
  if (error == 0) return;

  work.status = journal_fs::io_error(what, error);
  // A partial write (or one whose sync failed) must not reappear after a
  // restart as entries the caller was told had failed.
  if (::ftruncate(fd, static_cast<off_t>(durable_size)) != 0 || ::fdatasync(fd) != 0) {
    work.cut_back_failed = true;
    work.status.message +=
        "; cutting the segment back failed too: " + journal_fs::error_text(last_error());
  }
}

void run_snapshot(SnapshotWork& work) {
  if (!work.precheck.ok()) {
    work.status = work.precheck;
    return;
  }
  work.status = write_snapshot_file(work.snapshots_dir, work.snapshot);
  if (!work.status.ok()) return;
  // The snapshot is durable: what it replaces can go. A failure here leaves
  // extra files, which the next snapshot or open() deletes.
  Status cleaned = remove_snapshots_before(work.snapshots_dir, work.snapshot.index);
  for (const SegmentName& segment : work.obsolete) {
    if (!cleaned.ok()) break;
    cleaned = journal_fs::remove_file(work.journal_dir + "/" + segment.file_name);
    if (cleaned.ok()) ++work.deleted;
  }
  if (cleaned.ok() && work.deleted > 0) cleaned = journal_fs::fsync_dir(work.journal_dir);
  if (!cleaned.ok())
    work.status = Status::error(ErrorCode::io_error,
                                "snapshot written, but cleaning up failed: " + cleaned.message);
}

void run_install(InstallWork& work) {
  work.status = write_snapshot_file(work.snapshots_dir, work.snapshot);
  if (!work.status.ok()) return;
  work.segment.reset();
  const std::string kept = segment_file_name(work.snapshot.index + 1);
  for (const SegmentName& segment : work.segments) {
    if (segment.file_name != kept) continue;
    work.status = journal_fs::remove_file(work.journal_dir + "/" + kept);  // made again below
    if (!work.status.ok()) return;
  }
  // The new segment before the old ones go: should deleting them fail,
  // recovery still finds the snapshot and an intact log after it.
  auto created = create_segment(work.journal_dir, work.snapshot.index + 1);
  if (!created.ok()) {
    work.status = created.status();
    return;
  }
  work.new_segment = std::move(*created);
  Status cleaned = remove_snapshots_before(work.snapshots_dir, work.snapshot.index);
  for (const SegmentName& segment : work.segments) {
    if (!cleaned.ok()) break;
    if (segment.file_name != kept)
      cleaned = journal_fs::remove_file(work.journal_dir + "/" + segment.file_name);
  }
  if (cleaned.ok()) cleaned = journal_fs::fsync_dir(work.journal_dir);
  if (!cleaned.ok())
    work.status =
        Status::error(ErrorCode::io_error,
                      "snapshot installed, but removing the old log failed: " + cleaned.message);
}

void run_hard_state(HardStateWork& work) {
  work.status = write_hard_state_file(work.data_dir, work.state);
}

void run_close(CloseWork& work) {
  work.segment.reset();
  work.lock.release();
}

}  // namespace desaster
