// Segment recovery (see journal_recovery.hpp).
#include "core/journal/journal_recovery.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/journal/file_util.hpp"
#include "core/journal/record_codec.hpp"

namespace desaster {

namespace {

struct ScannedSegment {
  SegmentName name;
  std::uint64_t size = 0;
  std::optional<std::uint64_t> last_entry;  // index of its last entry, if any
};

// Where a segment stops being good and why.
struct Cut {
  std::uint64_t offset = 0;  // 0 deletes the file, as its header is not trusted
  std::string reason;
};

// A header with our magic but another version was written by another build of
// desaster: refuse to start rather than treating its records as damage.
Status check_newer_format(std::string_view bytes, const std::string& name) {
  const std::string ours = encode_segment_header();
  if (bytes.size() < kSegmentHeaderBytes ||
      bytes.substr(0, 12) == std::string_view(ours).substr(0, 12) ||
      bytes.substr(0, 8) != std::string_view(ours).substr(0, 8))
    return Status::success();
  return Status::error(
      ErrorCode::corrupt,
      "journal/" + name + ": " + check_segment_header(bytes).message + "; refusing to start");
}

Status truncate_file(const std::string& path, std::uint64_t size) {
  journal_fs::FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return journal_fs::io_error("cannot open " + path, errno);
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0 || ::fsync(fd.get()) != 0)
    return journal_fs::io_error("cannot truncate " + path, errno);
  return Status::success();
}

// The intact records after a bad one: where the first is, and how many
// there are up to the next damage (in its segment) and in later segments.
struct IntactAfter {
  std::string file_name;  // of the first intact record
  std::size_t offset = 0;
  std::uint64_t first_index = 0;
  std::uint64_t last_index = 0;
  std::size_t records = 0;
};

// Counts the intact records of bytes from offset on into found.
void count_intact(std::string_view bytes, std::size_t offset, IntactAfter& found) {
  DecodedRecords records = decode_records(bytes.substr(offset));
  for (const LogEntry& entry : records.entries) {
    if (found.records == 0) found.first_index = entry.index;
    found.last_index = entry.index;
    ++found.records;
  }
}

// Looks past a bad record at bad_offset of segments[index] (bytes) for a
// record that is intact: a CRC-checked, decodable record with an index. A
// torn write leaves none (only the last records written can be torn); one
// found means the bad record is damage in the middle of durable data. The
// search stops at the first hit, which damage puts within one record.
std::optional<IntactAfter> find_intact_after(const std::string& journal_dir,
                                             const std::vector<SegmentName>& segments,
                                             std::size_t index, std::string_view bytes,
                                             std::size_t bad_offset) {
  std::optional<IntactAfter> found;
  for (std::size_t at = bad_offset + 1; at + kRecordHeaderBytes < bytes.size(); ++at) {
    DecodedRecord record = decode_record(bytes.substr(at));
    if (!record.error.empty() || record.size == 0 || record.entry.index == 0) continue;
    found = IntactAfter{segments[index].file_name, at};
    count_intact(bytes, at, *found);
    break;
  }
  for (std::size_t later = index + 1; later < segments.size(); ++later) {
    auto later_bytes = journal_fs::read_file(journal_dir + "/" + segments[later].file_name);
    if (!later_bytes.ok() || !check_segment_header(*later_bytes).ok()) continue;
    IntactAfter counted =
        found.value_or(IntactAfter{segments[later].file_name, kSegmentHeaderBytes});
    count_intact(*later_bytes, kSegmentHeaderBytes, counted);
    if (counted.records > 0) found = counted;
  }
  return found;
}

std::string describe_intact(const IntactAfter& intact) {
  return std::to_string(intact.records) + " intact records (entries " +
         std::to_string(intact.first_index) + " to " + std::to_string(intact.last_index) +
         ", the first at offset " + std::to_string(intact.offset) + " of journal/" +
         intact.file_name + ")";
}

Status refuse_corrupt(const std::string& journal_dir, const std::string& file_name,
                      std::size_t offset, const std::string& why, const IntactAfter& intact) {
  const std::string data_dir = journal_dir.substr(0, journal_dir.rfind('/'));
  return Status::error(
      ErrorCode::corrupt,
      journal_dir + "/" + file_name + ": corrupt record at offset " + std::to_string(offset) +
          " (" + why + ") with " + describe_intact(intact) +
          " after it: this is damage to written data, not a torn write, so the node refuses to "
          "start rather than drop acknowledged jobs. To recover: if this node is one of a "
          "cluster whose other nodes are up, move " +
          data_dir +
          " aside and start the node again: it rejoins and gets the jobs from the leader; "
          "otherwise keep a copy of " +
          data_dir + " and start once with --truncate-corrupt-journal, which cuts journal/" +
          file_name + " at offset " + std::to_string(offset) + " and drops those " +
          std::to_string(intact.records) + " records and any damaged ones among them");
}

// Cuts segments[index] at cut.offset and deletes every later segment.
Status apply_cut(const std::string& journal_dir, std::vector<SegmentName>& segments,
                 std::size_t index, std::uint64_t size, const Cut& cut, Recovery& recovery) {
  const std::string name = segments[index].file_name;
  const std::string path = journal_dir + "/" + name;
  Status done = cut.offset == 0 ? journal_fs::remove_file(path) : truncate_file(path, cut.offset);
  if (!done.ok()) return done;
  recovery.truncated_bytes += size - cut.offset;
  recovery.notes.push_back("journal/" + name + ": cut " + std::to_string(size - cut.offset) +
                           " bytes at offset " + std::to_string(cut.offset) + ": " + cut.reason);
  for (std::size_t later = index + 1; later < segments.size(); ++later) {
    const std::string later_path = journal_dir + "/" + segments[later].file_name;
    auto later_size = journal_fs::file_size(later_path);
    if (!later_size.ok()) return later_size.status();
    done = journal_fs::remove_file(later_path);
    if (!done.ok()) return done;
    recovery.truncated_bytes += *later_size;
    recovery.notes.push_back("journal/" + segments[later].file_name + ": deleted " +
                             std::to_string(*later_size) +
                             " bytes: it follows the cut in journal/" + name);
  }
  return journal_fs::fsync_dir(journal_dir);
}

// How many leading segments only hold entries the snapshot includes: a crash
// between writing a snapshot and cleaning up leaves them behind.
std::size_t count_obsolete(const std::vector<SegmentName>& segments, std::uint64_t snapshot_index) {
  std::size_t obsolete = 0;
  while (obsolete + 1 < segments.size() && segments[obsolete + 1].first_index <= snapshot_index + 1)
    ++obsolete;
  return obsolete;
}

Status remove_obsolete(const std::string& journal_dir, std::vector<SegmentName>& segments,
                       std::size_t obsolete) {
  if (obsolete == 0) return Status::success();
  for (std::size_t i = 0; i < obsolete; ++i) {
    Status removed = journal_fs::remove_file(journal_dir + "/" + segments[i].file_name);
    if (!removed.ok()) return removed;
  }
  segments.erase(segments.begin(), segments.begin() + static_cast<std::ptrdiff_t>(obsolete));
  return journal_fs::fsync_dir(journal_dir);
}

// Deletes every segment left on disk (the ones a cut did not delete already).
Status drop_log(const std::string& journal_dir, const std::vector<SegmentName>& segments,
                Recovery& recovery) {
  for (const SegmentName& segment : segments) {
    const std::string path = journal_dir + "/" + segment.file_name;
    auto size = journal_fs::file_size(path);
    if (!size.ok()) continue;  // gone already
    Status removed = journal_fs::remove_file(path);
    if (!removed.ok()) return removed;
    recovery.truncated_bytes += *size;
  }
  return journal_fs::fsync_dir(journal_dir);
}

}  // namespace

Result<RecoveredLog> recover_log(const std::string& journal_dir,
                                 const std::optional<Snapshot>& snapshot, Recovery& recovery,
                                 bool truncate_corrupt) {
  auto listed = list_segments(journal_dir);
  if (!listed.ok()) return listed.status();
  std::vector<SegmentName> segments = std::move(*listed);
  const std::uint64_t snapshot_index = snapshot ? snapshot->index : 0;

  RecoveredLog log;
  log.last_index = snapshot_index;
  log.last_term = snapshot ? snapshot->term : 0;

  const std::size_t obsolete = count_obsolete(segments, snapshot_index);
  if (obsolete < segments.size() && segments[obsolete].first_index > snapshot_index + 1) {
    const SegmentName& first = segments[obsolete];
    return Status::error(
        ErrorCode::corrupt,
        "journal/" + first.file_name + " starts at index " + std::to_string(first.first_index) +
            " but " +
            (snapshot ? "the snapshot ends at index " + std::to_string(snapshot_index)
                      : std::string("there is no snapshot")) +
            ": entries " + std::to_string(snapshot_index + 1) + " to " +
            std::to_string(first.first_index - 1) + " are missing; refusing to start");
  }
  Status removed = remove_obsolete(journal_dir, segments, obsolete);
  if (!removed.ok()) return removed;

  std::vector<ScannedSegment> scanned;
  std::optional<std::uint64_t> previous;  // index of the last good entry so far
  // Of the log's entry at the snapshot's index; 0 (no term is 0) for none.
  std::uint64_t term_at_snapshot = 0;
  // The term of the first entry after the snapshot below the snapshot's own:
  // terms never fall along a log, so such an entry is from a history the
  // snapshot replaced, even when the entry at the snapshot's index went with
  // the segments the snapshot covers. 0: none.
  std::uint64_t older_term_after_snapshot = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const SegmentName& segment = segments[i];
    auto bytes = journal_fs::read_file(journal_dir + "/" + segment.file_name);
    if (!bytes.ok()) return bytes.status();
    const std::string_view view = *bytes;
    Status newer = check_newer_format(view, segment.file_name);
    if (!newer.ok()) return newer;

    ScannedSegment scan{segment, view.size(), std::nullopt};
    std::optional<Cut> cut;
    Status header = check_segment_header(view);
    if (!header.ok()) {
      cut = Cut{0, header.message};
      // A header torn while the segment was created has nothing after it;
      // one with intact records after it was damaged later.
      if (view.size() > kSegmentHeaderBytes) {
        IntactAfter intact{segment.file_name, kSegmentHeaderBytes};
        count_intact(view, kSegmentHeaderBytes, intact);
        if (intact.records > 0) {
          if (!truncate_corrupt)
            return refuse_corrupt(journal_dir, segment.file_name, 0, header.message, intact);
          cut->reason += "; cut at the operator's request (--truncate-corrupt-journal), dropping " +
                         describe_intact(intact);
        }
      }
    } else if (previous && segment.first_index > *previous + 1) {
      cut = Cut{0, "segment starts at index " + std::to_string(segment.first_index) + " where " +
                       std::to_string(*previous + 1) + " was expected"};
    }
    std::size_t offset = kSegmentHeaderBytes;
    std::uint64_t expected = segment.first_index;
    bool first_record = true;
    while (!cut && offset < view.size()) {
      DecodedRecord record = decode_record(view.substr(offset));
      if (!record.error.empty()) {
        cut = Cut{offset, record.error};
        if (std::optional<IntactAfter> intact =
                find_intact_after(journal_dir, segments, i, view, offset)) {
          if (!truncate_corrupt)
            return refuse_corrupt(journal_dir, segment.file_name, offset, record.error, *intact);
          cut->reason += "; cut at the operator's request (--truncate-corrupt-journal), dropping " +
                         describe_intact(*intact);
        }
        break;
      }
      const std::uint64_t index = record.entry.index;
      // A lower index is a replacing append (Raft's follower truncation): it
      // supersedes the tail from there. A segment starts with its name's index.
      if (index > expected || index == 0 || (first_record && index != expected)) {
        cut = Cut{offset, "entry index " + std::to_string(index) + " where " +
                              std::to_string(expected) + " was expected"};
        break;
      }
      if (index < expected) {
        std::erase_if(recovery.entries, [&](const LogEntry& e) { return e.index >= index; });
        if (index <= snapshot_index) term_at_snapshot = 0;
        log.last_index = recovery.entries.empty() ? snapshot_index : recovery.entries.back().index;
        log.last_term = recovery.entries.empty() ? (snapshot ? snapshot->term : 0)
                                                 : recovery.entries.back().term;
      }
      first_record = false;
      expected = index + 1;
      previous = index;
      scan.last_entry = index;
      if (index == snapshot_index) term_at_snapshot = record.entry.term;
      if (index > snapshot_index) {
        if (snapshot && record.entry.term < snapshot->term && older_term_after_snapshot == 0)
          older_term_after_snapshot = record.entry.term;
        log.last_index = index;
        log.last_term = record.entry.term;
        log.bytes_after_snapshot += record.size;
        recovery.entries.push_back(std::move(record.entry));
      }
      offset += record.size;
    }
    if (cut) {
      Status applied = apply_cut(journal_dir, segments, i, view.size(), *cut, recovery);
      if (!applied.ok()) return applied;
      if (cut->offset > 0) {
        scan.size = cut->offset;
        scanned.push_back(std::move(scan));
      }
      break;
    }
    scanned.push_back(std::move(scan));
  }

  const bool disagrees = term_at_snapshot != 0 && snapshot && term_at_snapshot != snapshot->term;
  if (disagrees || older_term_after_snapshot != 0) {
    // A snapshot installed from the leader, then a crash before the old log
    // was removed: the log disagrees with the snapshot, so all of it after
    // the snapshot belongs to a history the cluster replaced.
    Status dropped = drop_log(journal_dir, segments, recovery);
    if (!dropped.ok()) return dropped;
    const std::string why = disagrees
                                ? "term " + std::to_string(term_at_snapshot) + " at its index"
                                : "term " + std::to_string(older_term_after_snapshot) + " after it";
    recovery.notes.push_back("journal: the log disagrees with snapshot " +
                             std::to_string(snapshot_index) + " (" + why + ", the snapshot's is " +
                             std::to_string(snapshot->term) +
                             "); dropped it, as an installed snapshot replaces it");
    recovery.entries.clear();
    log.last_index = snapshot_index;
    log.last_term = snapshot->term;
    log.bytes_after_snapshot = 0;
    return log;  // no segments: open() starts one after the snapshot
  }
  for (const ScannedSegment& scan : scanned) log.segments.push_back(scan.name);
  if (!scanned.empty()) {
    const ScannedSegment& tail = scanned.back();
    log.tail_size = tail.size;
    log.tail_appendable = tail.last_entry ? *tail.last_entry == log.last_index
                                          : tail.name.first_index == log.last_index + 1;
  }
  return log;
}

}  // namespace desaster
