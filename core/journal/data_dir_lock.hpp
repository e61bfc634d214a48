// The data dir's LOCK file: an flock() held for as long as one node uses the
// dir, so a second desaster on the same dir refuses to start instead of
// interleaving writes. The kernel drops the lock when the process dies, so a
// crash never leaves a stale lock behind; the pid written into the file is
// only there to name the holder in the error message.
#pragma once

#include <string>

#include "core/journal/file_util.hpp"
#include "core/model/status.hpp"

namespace desaster {

class DataDirLock {
 public:
  DataDirLock() = default;

  // Locks data_dir/LOCK (creating it). Fails with unavailable when another
  // process (or another open of the same dir) holds it, io_error otherwise.
  static Result<DataDirLock> acquire(const std::string& data_dir);
  // Takes over the lock an older process of a hot upgrade passed over
  // (SCM_RIGHTS): the flock belongs to the shared open file, so it stays
  // held when the old process exits. Checks the fd holds it; the file then
  // names this pid.
  static Result<DataDirLock> adopt(int fd);

  // The locked file's fd, to pass to the next process of an upgrade.
  int fd() const { return fd_.get(); }

  bool held() const { return fd_.valid(); }
  // Unlocks by closing the file; the file itself stays.
  void release() { fd_.reset(); }

 private:
  explicit DataDirLock(journal_fs::FileDescriptor fd) : fd_(std::move(fd)) {}
  journal_fs::FileDescriptor fd_;
};

}  // namespace desaster
