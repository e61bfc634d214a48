// Small POSIX helpers for the journal's files: every failure comes back as
// an io_error Status naming the path and strerror, never as an exception.
// They block; the journal calls them from open() and from its thread-pool work.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/status.hpp"

namespace desaster::journal_fs {

// strerror(error), thread-safe.
std::string error_text(int error);
Status io_error(const std::string& what, int error);

// write(2) replacement used by tests to inject failures; empty means write(2).
using WriteFunction = std::function<ssize_t(int fd, const void* data, std::size_t size)>;

// Writes all of data, retrying after EINTR and short writes. On failure
// returns the errno, 0 on success.
int write_all(int fd, std::string_view data, const WriteFunction& write_function = {});

Status fsync_dir(const std::string& path);
// Replaces dir/name with bytes so that a crash leaves the old file or the new
// one, never a mix: writes dir/name.tmp, syncs it, renames it, syncs dir.
Status write_file_atomically(const std::string& dir, const std::string& name,
                             std::string_view bytes);
// Creates path (and missing parents) as a directory.
Status ensure_dir(const std::string& path);
Result<std::string> read_file(const std::string& path);
Result<std::uint64_t> file_size(const std::string& path);
// Names of the entries of a directory, without "." and "..".
Result<std::vector<std::string>> list_dir(const std::string& path);
Status remove_file(const std::string& path);

// Parses "DDDDDDDDDDDDDDDDDDDD<suffix>" (20 digits); false for other names.
bool parse_index_name(std::string_view name, std::string_view suffix, std::uint64_t& index);
std::string index_name(std::uint64_t index, std::string_view suffix);

// Closes fd on destruction unless released.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace desaster::journal_fs
