// Segment files: journal/SEQ.log, SEQ being the 20-digit index of the
// segment's first entry, each starting with the header of record_codec.hpp.
// Naming a segment after its first entry lets recovery order segments and
// decide which ones a snapshot made unnecessary without reading them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/journal/file_util.hpp"
#include "core/model/status.hpp"

namespace desaster {

struct SegmentName {
  std::uint64_t first_index = 0;
  std::string file_name;  // "00000000000000000042.log"
};

std::string segment_file_name(std::uint64_t first_index);

// The segments in journal_dir, ordered by first index; other files are ignored.
Result<std::vector<SegmentName>> list_segments(const std::string& journal_dir);

// Creates journal_dir/SEQ.log with its header, syncs it and the dir, and
// returns it open for appending. A file left half-made by a failure is deleted.
Result<journal_fs::FileDescriptor> create_segment(const std::string& journal_dir,
                                                  std::uint64_t first_index);

// Opens an existing segment for appending.
Result<journal_fs::FileDescriptor> open_segment_for_append(const std::string& path);

}  // namespace desaster
