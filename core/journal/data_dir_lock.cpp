// flock()-based data dir lock (see data_dir_lock.hpp).
#include "core/journal/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace desaster {

namespace {

// The holder's pid as written in the file, or "unknown".
std::string holder_pid(int fd) {
  char buffer[32] = {};
  const ssize_t got = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (got <= 0) return "unknown";
  std::string text(buffer, static_cast<std::size_t>(got));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return "unknown";
  return text;
}

Status write_pid(int fd) {
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0)
    return journal_fs::io_error("cannot write pid to the data dir's LOCK", errno);
  return {};
}

}  // namespace

Result<DataDirLock> DataDirLock::acquire(const std::string& data_dir) {
  const std::string path = data_dir + "/LOCK";
  journal_fs::FileDescriptor fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return journal_fs::io_error("cannot open lock file " + path, errno);
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK)
      return Status::error(ErrorCode::unavailable, "data dir " + data_dir +
                                                       " is in use by another desaster (pid " +
                                                       holder_pid(fd.get()) + ")");
    return journal_fs::io_error("cannot lock " + path, errno);
  }
  if (Status s = write_pid(fd.get()); !s.ok()) return s;
  return DataDirLock(std::move(fd));
}

Result<DataDirLock> DataDirLock::adopt(int fd) {
  journal_fs::FileDescriptor owned(fd);
  // Locking again through the same open file succeeds at once; through
  // another open of the file (not the lock we were given) it would not.
  while (::flock(owned.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    return Status::error(ErrorCode::unavailable,
                         "the data dir lock passed by the upgrading process is not held by it");
  }
  if (Status s = write_pid(owned.get()); !s.ok()) return s;
  return DataDirLock(std::move(owned));
}

}  // namespace desaster
