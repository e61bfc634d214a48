// Segment files (see segment_file.hpp).
#include "core/journal/segment_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/journal/record_codec.hpp"

namespace desaster {

namespace {
constexpr std::string_view kSuffix = ".log";
}  // namespace

std::string segment_file_name(std::uint64_t first_index) {
  return journal_fs::index_name(first_index, kSuffix);
}

Result<std::vector<SegmentName>> list_segments(const std::string& journal_dir) {
  auto names = journal_fs::list_dir(journal_dir);
  if (!names.ok()) return names.status();
  std::vector<SegmentName> segments;
  for (std::string& name : *names) {
    std::uint64_t first = 0;
    // Index 0 cannot start a segment (entries are 1-based), so such a file is not ours.
    if (journal_fs::parse_index_name(name, kSuffix, first) && first > 0)
      segments.push_back({first, std::move(name)});
  }
  std::sort(segments.begin(), segments.end(), [](const SegmentName& a, const SegmentName& b) {
    return a.first_index < b.first_index;
  });
  return segments;
}

Result<journal_fs::FileDescriptor> create_segment(const std::string& journal_dir,
                                                  std::uint64_t first_index) {
  const std::string path = journal_dir + "/" + segment_file_name(first_index);
  journal_fs::FileDescriptor fd(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644));
  if (!fd.valid()) return journal_fs::io_error("cannot create segment " + path, errno);
  int error = journal_fs::write_all(fd.get(), encode_segment_header());
  if (error == 0 && ::fsync(fd.get()) != 0) error = errno;
  if (error != 0) {
    fd.reset();
    ::unlink(path.c_str());
    return journal_fs::io_error("cannot create segment " + path, error);
  }
  Status synced = journal_fs::fsync_dir(journal_dir);
  if (!synced.ok()) {
    fd.reset();
    ::unlink(path.c_str());
    return synced;
  }
  return fd;
}

Result<journal_fs::FileDescriptor> open_segment_for_append(const std::string& path) {
  journal_fs::FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (!fd.valid()) return journal_fs::io_error("cannot open segment " + path, errno);
  return fd;
}

}  // namespace desaster
