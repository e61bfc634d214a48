// Recovery of the segments at open: reads them in order, keeps the entries
// after the snapshot, and cuts the journal at the first record that is torn,
// corrupt or leaves a gap, so that what remains is exactly a prefix of what
// was written. A record whose index is lower than the one before replaces the
// tail from its index (a follower's truncation, see Journal::append_replacing).
// A log that disagrees with the snapshot at the snapshot's index was replaced
// by an installed snapshot and is dropped. Also reads the hard state file.
// Runs on the loop thread before the loop starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/journal/journal.hpp"
#include "core/journal/segment_file.hpp"

namespace desaster {

struct RecoveredLog {
  std::vector<SegmentName> segments;  // left on disk, in order
  std::uint64_t last_index = 0;       // of the entries, or the snapshot's
  std::uint64_t last_term = 0;
  // Whether the last segment can take entry last_index + 1 (if not, a new
  // segment named after it must be started), and its size.
  bool tail_appendable = false;
  std::uint64_t tail_size = 0;
  std::uint64_t bytes_after_snapshot = 0;  // record bytes of recovery.entries
};

// Fills recovery.entries, truncated_bytes and notes. Fails (touching nothing
// it would have to undo) when a segment cannot be read, when it was written
// by a newer format, or when entries between the snapshot and the first
// segment are missing: deleting the journal then would lose data for good.
//
// A bad record is a torn write only when nothing intact follows it: a crash
// tears the last records written, never one with durable records after it.
// When an intact record follows (in the same segment or a later one), the
// bad one is damage to acknowledged data: recovery fails with corrupt,
// naming the file, the offset, what follows and how to recover, unless
// truncate_corrupt (the operator's --truncate-corrupt-journal) asks for the
// cut; its note then says how many intact records were dropped.
Result<RecoveredLog> recover_log(const std::string& journal_dir,
                                 const std::optional<Snapshot>& snapshot, Recovery& recovery,
                                 bool truncate_corrupt = false);

}  // namespace desaster
