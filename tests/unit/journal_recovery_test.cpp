// Recovery at open: torn tails, flipped bytes, gaps and damaged snapshots.
// Each test writes a journal for real, damages the files the way a crash or
// a bad disk would, and checks what the next open keeps and what it says.
#include <catch2/catch.hpp>

#include "core/journal/journal.hpp"
#include "core/journal/record_codec.hpp"
#include "core/journal/snapshot_file.hpp"
#include "tests/unit/journal_test_support.hpp"

namespace desaster {

using namespace journal_test;

namespace {

// Writes entries first..last into a fresh journal in dir and closes it.
void write_journal(TestLoop& loop, const std::string& data_dir, std::uint64_t first,
                   std::uint64_t last, const JournalOptions& options = {}) {
  Recovery recovery;
  auto journal = open_journal(loop, data_dir, recovery, options);
  append_range(*journal, first, last);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);
}

std::string segment_name(std::uint64_t first_index) {
  return segment_path("", first_index).substr(1);  // "journal/000...N.log"
}

}  // namespace

TEST_CASE("a torn tail is cut on open and appends continue at the right index", "[journal]") {
  TempDir dir;
  TestLoop loop;
  write_journal(loop, dir.data_dir(), 1, 5);
  const std::string segment = segment_path(dir.data_dir(), 1);
  const std::uint64_t full_size = std::filesystem::file_size(segment);
  std::filesystem::resize_file(segment, full_size - 3);  // the crash hit mid-record
  const std::uint64_t last_record = encoded_record_size(make_entry(5));

  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(1, 4));
  CHECK(recovery.truncated_bytes == last_record - 3);
  REQUIRE(recovery.notes.size() == 1);
  CHECK(recovery.notes[0] ==
        segment_name(1) + ": cut " + std::to_string(last_record - 3) + " bytes at offset " +
            std::to_string(full_size - last_record) + ": truncated record: length " +
            std::to_string(last_record - kRecordHeaderBytes) + " but only " +
            std::to_string(last_record - kRecordHeaderBytes - 3) + " bytes follow");
  CHECK(std::filesystem::file_size(segment) == full_size - last_record);
  CHECK(journal->last_index() == 4);

  REQUIRE(journal->append(make_entry(5, 2, "rewritten")).ok());
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery);
  REQUIRE(indexes(recovery.entries) == range(1, 5));
  CHECK(recovery.entries[4].op == "rewritten");
  CHECK(recovery.notes.empty());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a flipped byte in the middle record stops open, naming the file and offset",
          "[journal]") {
  TempDir dir;
  TestLoop loop;
  write_journal(loop, dir.data_dir(), 1, 3);
  const std::string segment = segment_path(dir.data_dir(), 1);
  std::string bytes = read_bytes(segment);
  const std::size_t second = kSegmentHeaderBytes + encoded_record_size(make_entry(1));
  bytes[second + kRecordHeaderBytes + 4] ^= 0x01;
  write_bytes(segment, bytes);

  Recovery recovery;
  auto opened = Journal::open(loop.get(), dir.data_dir(), {}, recovery);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code == ErrorCode::corrupt);
  const std::string& message = opened.status().message;
  CHECK_THAT(message, Catch::StartsWith(segment + ": corrupt record at offset " +
                                        std::to_string(second) + " (crc mismatch"));
  CHECK_THAT(message, Catch::Contains("1 intact records (entries 3 to 3"));
  CHECK_THAT(message, Catch::Contains("--truncate-corrupt-journal"));
  CHECK_THAT(message, Catch::Contains("rejoins"));
  CHECK(read_bytes(segment) == bytes);  // nothing cut

  // The operator's explicit cut keeps the entries before it and says what went.
  JournalOptions cut;
  cut.truncate_corrupt = true;
  auto journal = open_journal(loop, dir.data_dir(), recovery, cut);
  CHECK(indexes(recovery.entries) == range(1, 1));
  CHECK(recovery.truncated_bytes == bytes.size() - second);
  REQUIRE(recovery.notes.size() == 1);
  CHECK_THAT(recovery.notes[0],
             Catch::StartsWith(segment_name(1) + ": cut " + std::to_string(bytes.size() - second) +
                               " bytes at offset " + std::to_string(second) + ": crc mismatch"));
  CHECK_THAT(recovery.notes[0], Catch::Contains("dropping 1 intact records (entries 3 to 3"));
  CHECK(std::filesystem::file_size(segment) == second);
  CHECK(journal->last_index() == 1);
  append_range(*journal, 2, 2);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

// Every single flipped byte: in the last record it is a torn write and is
// cut; anywhere before it (headers included) open refuses and cuts nothing.
TEST_CASE("a byte flipped at any offset before the last record stops open", "[journal]") {
  TempDir dir;
  TestLoop loop;
  JournalOptions options;
  options.segment_bytes = 120;  // three segments
  {
    Recovery recovery;
    auto journal = open_journal(loop, dir.data_dir(), recovery, options);
    for (std::uint64_t index = 1; index <= 9; ++index) {
      append_range(*journal, index, index, 1, 11);
      REQUIRE(flush_and_wait(loop, *journal).ok());
    }
    close_and_wait(loop, journal);
  }
  const std::vector<std::string> names = file_names(dir.data_dir() + "/journal");
  REQUIRE(names.size() >= 3);
  const std::size_t record = encoded_record_size(make_entry(9, 1, std::string(11, 'p')));
  std::size_t refused = 0;
  std::size_t cut = 0;
  for (std::size_t file = 0; file < names.size(); ++file) {
    const std::string path = dir.data_dir() + "/journal/" + names[file];
    const std::string original = read_bytes(path);
    const bool last_file = file + 1 == names.size();
    for (std::size_t at = 0; at < original.size(); ++at) {
      // Bytes 12-15 of a header are reserved and not read.
      if (at >= 12 && at < kSegmentHeaderBytes) continue;
      std::string damaged = original;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
      write_bytes(path, damaged);
      INFO(names[file] << " offset " << at);
      Recovery recovery;
      auto opened = Journal::open(loop.get(), dir.data_dir(), options, recovery);
      const bool in_last_record = last_file && at >= original.size() - record;
      if (in_last_record) {
        INFO(opened.status().message);
        REQUIRE(opened.ok());
        CHECK(indexes(recovery.entries) == range(1, 8));
        REQUIRE(recovery.notes.size() == 1);
        ++cut;
        close_and_wait(loop, *opened);
      } else {
        REQUIRE_FALSE(opened.ok());
        CHECK(opened.status().code == ErrorCode::corrupt);
        // Named with the offset and the way out (a version byte: "newer format").
        CHECK_THAT(opened.status().message, Catch::Contains(names[file]));
        CHECK(read_bytes(path) == damaged);
        ++refused;
      }
      write_bytes(path, original);
    }
  }
  CHECK(cut == record);
  CHECK(refused > 5 * record);
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  CHECK(indexes(recovery.entries) == range(1, 9));
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a cut deletes the segments after it", "[journal]") {
  TempDir dir;
  TestLoop loop;
  JournalOptions options;
  options.segment_bytes = 20;  // one commit per segment
  {
    Recovery recovery;
    auto journal = open_journal(loop, dir.data_dir(), recovery, options);
    for (std::uint64_t index = 1; index <= 3; ++index) {
      append_range(*journal, index, index);
      REQUIRE(flush_and_wait(loop, *journal).ok());
    }
    close_and_wait(loop, journal);
  }
  REQUIRE(file_names(dir.data_dir() + "/journal").size() == 3);
  const std::string middle = segment_path(dir.data_dir(), 2);
  std::string bytes = read_bytes(middle);
  bytes.back() ^= 0x20;
  write_bytes(middle, bytes);
  const std::uint64_t last_size = std::filesystem::file_size(segment_path(dir.data_dir(), 3));

  Recovery recovery;
  // Intact records follow the damage: only the operator's explicit choice cuts.
  REQUIRE_FALSE(Journal::open(loop.get(), dir.data_dir(), options, recovery).ok());
  recovery = Recovery{};
  options.truncate_corrupt = true;
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  options.truncate_corrupt = false;
  CHECK(indexes(recovery.entries) == range(1, 1));
  REQUIRE(recovery.notes.size() == 2);
  CHECK_THAT(recovery.notes[0], Catch::StartsWith(segment_name(2) + ": cut "));
  CHECK(recovery.notes[1] == segment_name(3) + ": deleted " + std::to_string(last_size) +
                                 " bytes: it follows the cut in " + segment_name(2));
  CHECK(recovery.truncated_bytes == bytes.size() - kSegmentHeaderBytes + last_size);
  CHECK(file_names(dir.data_dir() + "/journal") ==
        std::vector<std::string>{"00000000000000000001.log", "00000000000000000002.log"});
  // Segment 2 is empty now and takes entry 2.
  append_range(*journal, 2, 3);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);
  journal = open_journal(loop, dir.data_dir(), recovery, options);
  CHECK(indexes(recovery.entries) == range(1, 3));
  CHECK(recovery.notes.empty());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("an index that skips ends the journal there, one that goes back replaces the tail",
          "[journal]") {
  TempDir dir;
  TestLoop loop;
  std::filesystem::create_directories(dir.data_dir() + "/journal");
  std::string bytes = encode_segment_header();
  for (std::uint64_t index : {1, 2, 4, 5}) encode_record(make_entry(index), bytes);
  write_bytes(segment_path(dir.data_dir(), 1), bytes);

  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(1, 2));
  REQUIRE(recovery.notes.size() == 1);
  CHECK_THAT(recovery.notes[0], Catch::EndsWith(": entry index 4 where 3 was expected"));
  close_and_wait(loop, journal);

  bytes = encode_segment_header();
  for (std::uint64_t index : {1, 2, 3}) encode_record(make_entry(index), bytes);
  encode_record(make_entry(2, 2, "replacement"), bytes);
  write_bytes(segment_path(dir.data_dir(), 1), bytes);
  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(1, 2));
  CHECK(recovery.entries.back().op == "replacement");
  CHECK(recovery.notes.empty());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a segment with a torn header is deleted", "[journal]") {
  TempDir dir;
  TestLoop loop;
  write_journal(loop, dir.data_dir(), 1, 2);
  // A crash while the next segment was being created.
  write_bytes(segment_path(dir.data_dir(), 3), encode_segment_header().substr(0, 5));

  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(1, 2));
  REQUIRE(recovery.notes.size() == 1);
  CHECK(recovery.notes[0] ==
        segment_name(3) + ": cut 5 bytes at offset 0: segment header truncated: 5 of 16 bytes");
  CHECK(file_names(dir.data_dir() + "/journal") ==
        std::vector<std::string>{"00000000000000000001.log"});
  append_range(*journal, 3, 3);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a segment from a newer format version stops open without cutting", "[journal]") {
  TempDir dir;
  TestLoop loop;
  write_journal(loop, dir.data_dir(), 1, 2);
  const std::string segment = segment_path(dir.data_dir(), 1);
  std::string bytes = read_bytes(segment);
  bytes[8] = 2;
  write_bytes(segment, bytes);

  Recovery recovery;
  auto opened = Journal::open(loop.get(), dir.data_dir(), {}, recovery);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code == ErrorCode::corrupt);
  CHECK_THAT(opened.status().message, Catch::Contains("version 2"));
  CHECK(read_bytes(segment) == bytes);
  CHECK(loop.close() == 0);
}

TEST_CASE("a corrupt newest snapshot falls back to the older one", "[journal]") {
  TempDir dir;
  TestLoop loop;
  {
    Recovery recovery;
    auto journal = open_journal(loop, dir.data_dir(), recovery);
    append_range(*journal, 1, 6);
    REQUIRE(flush_and_wait(loop, *journal).ok());
    REQUIRE(snapshot_and_wait(loop, *journal, Snapshot{3, 1, "three"}).ok());
    close_and_wait(loop, journal);
  }
  // As if a crash came between writing snapshot 6 and deleting snapshot 3,
  // and the disk then damaged snapshot 6.
  std::string bytes = encode_snapshot_file(Snapshot{6, 1, "six"});
  bytes.back() ^= 0x01;
  write_bytes(dir.data_dir() + "/snapshots/" + snapshot_file_name(6), bytes);

  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  REQUIRE(recovery.snapshot);
  CHECK(recovery.snapshot->index == 3);
  CHECK(recovery.snapshot->state == "three");
  CHECK(indexes(recovery.entries) == range(4, 6));
  REQUIRE(recovery.notes.size() == 1);
  CHECK(recovery.notes[0] == "snapshots/00000000000000000006.snap: skipped: snapshot crc mismatch");
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a snapshot file whose name and content disagree is skipped", "[journal]") {
  TempDir dir;
  TestLoop loop;
  std::filesystem::create_directories(dir.data_dir() + "/snapshots");
  write_bytes(dir.data_dir() + "/snapshots/" + snapshot_file_name(9),
              encode_snapshot_file(Snapshot{5, 1, "five"}));
  write_bytes(dir.data_dir() + "/snapshots/" + snapshot_file_name(10) + ".tmp", "half-written");
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK_FALSE(recovery.snapshot);
  REQUIRE(recovery.notes.size() == 1);
  CHECK_THAT(recovery.notes[0], Catch::Contains("holds index 5"));
  CHECK(file_names(dir.data_dir() + "/snapshots") ==
        std::vector<std::string>{"00000000000000000009.snap"});
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("entries missing between the snapshot and the journal stop open", "[journal]") {
  TempDir dir;
  TestLoop loop;
  JournalOptions options;
  options.segment_bytes = 20;
  {
    Recovery recovery;
    auto journal = open_journal(loop, dir.data_dir(), recovery, options);
    for (std::uint64_t index = 1; index <= 5; ++index) {
      append_range(*journal, index, index);
      REQUIRE(flush_and_wait(loop, *journal).ok());
    }
    REQUIRE(snapshot_and_wait(loop, *journal, Snapshot{3, 1, "three"}).ok());
    close_and_wait(loop, journal);
  }
  // The only snapshot goes bad after the segments it covered were deleted.
  const std::string snapshot = dir.data_dir() + "/snapshots/" + snapshot_file_name(3);
  std::string bytes = read_bytes(snapshot);
  bytes.back() ^= 0x01;
  write_bytes(snapshot, bytes);
  const auto segments_before = file_names(dir.data_dir() + "/journal");

  Recovery recovery;
  auto opened = Journal::open(loop.get(), dir.data_dir(), options, recovery);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code == ErrorCode::corrupt);
  CHECK(opened.status().message == segment_name(4) +
                                       " starts at index 4 but there is no snapshot: entries 1 "
                                       "to 3 are missing; refusing to start");
  CHECK(file_names(dir.data_dir() + "/journal") == segments_before);
  CHECK(loop.close() == 0);
}

TEST_CASE("segments a snapshot covers are deleted on open after a crash", "[journal]") {
  TempDir dir;
  TestLoop loop;
  JournalOptions options;
  options.segment_bytes = 20;
  {
    Recovery recovery;
    auto journal = open_journal(loop, dir.data_dir(), recovery, options);
    for (std::uint64_t index = 1; index <= 4; ++index) {
      append_range(*journal, index, index);
      REQUIRE(flush_and_wait(loop, *journal).ok());
    }
    close_and_wait(loop, journal);
  }
  // A snapshot made durable just before a crash that kept it from cleaning up.
  write_bytes(dir.data_dir() + "/snapshots/" + snapshot_file_name(3),
              encode_snapshot_file(Snapshot{3, 1, "three"}));

  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  REQUIRE(recovery.snapshot);
  CHECK(indexes(recovery.entries) == range(4, 4));
  CHECK(recovery.notes.empty());
  CHECK(file_names(dir.data_dir() + "/journal") ==
        std::vector<std::string>{"00000000000000000004.log"});
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a snapshot newer than the journal starts a segment after it", "[journal]") {
  TempDir dir;
  TestLoop loop;
  write_journal(loop, dir.data_dir(), 1, 2);
  write_bytes(dir.data_dir() + "/snapshots/" + snapshot_file_name(5),
              encode_snapshot_file(Snapshot{5, 2, "five"}));
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(recovery.entries.empty());
  CHECK(journal->last_index() == 5);
  CHECK(journal->last_term() == 2);
  append_range(*journal, 6, 7, 2);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);
  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(6, 7));
  CHECK(recovery.notes.empty());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

}  // namespace desaster
