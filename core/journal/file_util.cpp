// POSIX file helpers of the journal (see file_util.hpp).
#include "core/journal/file_util.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace desaster::journal_fs {

std::string error_text(int error) {
  char buffer[256];
  // GNU strerror_r may return a static string instead of filling buffer.
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
  return strerror_r(error, buffer, sizeof buffer);
#else
  if (strerror_r(error, buffer, sizeof buffer) != 0) return "error " + std::to_string(error);
  return buffer;
#endif
}

Status io_error(const std::string& what, int error) {
  return Status::error(ErrorCode::io_error, what + ": " + error_text(error));
}

int write_all(int fd, std::string_view data, const WriteFunction& write_function) {
  while (!data.empty()) {
    const ssize_t written = write_function ? write_function(fd, data.data(), data.size())
                                           : ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (written == 0) return EIO;  // a regular file never does this; do not spin
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return 0;
}

Status fsync_dir(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return io_error("cannot open directory " + path, errno);
  if (::fsync(fd.get()) != 0) return io_error("cannot sync directory " + path, errno);
  return Status::success();
}

Status write_file_atomically(const std::string& dir, const std::string& name,
                             std::string_view bytes) {
  const std::string path = dir + "/" + name;
  const std::string tmp_path = path + ".tmp";
  FileDescriptor fd(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return io_error("cannot create " + tmp_path, errno);
  int error = write_all(fd.get(), bytes);
  if (error == 0 && ::fsync(fd.get()) != 0) error = errno;
  if (error == 0 && ::close(fd.release()) != 0) error = errno;
  if (error == 0 && ::rename(tmp_path.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    fd.reset();
    ::unlink(tmp_path.c_str());
    return io_error("cannot write " + path, error);
  }
  return fsync_dir(dir);
}

Status ensure_dir(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) return Status::success();
    return io_error("cannot use " + path + " as a directory", ENOTDIR);
  }
  if (errno != ENOENT) return io_error("cannot create directory " + path, errno);
  const std::size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    Status parent = ensure_dir(path.substr(0, slash));
    if (!parent.ok()) return parent;
  }
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    return io_error("cannot create directory " + path, errno);
  return Status::success();
}

Result<std::string> read_file(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return io_error("cannot open " + path, errno);
  std::string bytes;
  struct stat info {};
  if (::fstat(fd.get(), &info) == 0 && info.st_size > 0)
    bytes.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read " + path, errno);
    }
    if (got == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(got));
  }
  return bytes;
}

Result<std::uint64_t> file_size(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return io_error("cannot stat " + path, errno);
  return static_cast<std::uint64_t>(info.st_size);
}

Result<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return io_error("cannot list directory " + path, errno);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(dir);
  return names;
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return io_error("cannot delete " + path, errno);
  return Status::success();
}

bool parse_index_name(std::string_view name, std::string_view suffix, std::uint64_t& index) {
  constexpr std::size_t kDigits = 20;
  if (name.size() != kDigits + suffix.size() || name.substr(kDigits) != suffix) return false;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kDigits; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  index = value;
  return true;
}

std::string index_name(std::uint64_t index, std::string_view suffix) {
  char digits[21];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(index));
  return std::string(digits) + std::string(suffix);
}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

void FileDescriptor::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

}  // namespace desaster::journal_fs
