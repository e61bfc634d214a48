// What a Raft follower needs from the journal: replacing a conflicting tail
// (append-only on disk, superseded on recovery), installing the leader's
// snapshot over its whole log, and a durable term and vote.
#include <catch2/catch.hpp>

#include "core/journal/hard_state_file.hpp"
#include "core/journal/journal.hpp"
#include "core/journal/snapshot_file.hpp"
#include "tests/unit/journal_test_support.hpp"

namespace desaster {

using namespace journal_test;

namespace {

std::vector<std::uint64_t> terms(const std::vector<LogEntry>& entries) {
  std::vector<std::uint64_t> result;
  for (const LogEntry& entry : entries) result.push_back(entry.term);
  return result;
}

Status write_snapshot_file_for_test(const std::string& data_dir, const Snapshot& snapshot) {
  return write_snapshot_file(data_dir + "/snapshots", snapshot);
}

}  // namespace

TEST_CASE("a replacing append supersedes the tail from its index after a reopen", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  append_range(*journal, 1, 6, 1);
  REQUIRE(flush_and_wait(loop, *journal).ok());

  REQUIRE(journal->append_replacing(make_entry(4, 2, "new-4"), 1).ok());
  CHECK(journal->last_index() == 4);
  CHECK(journal->last_term() == 2);
  CHECK(journal->durable_index() == 3);
  REQUIRE(journal->append(make_entry(5, 2, "new-5")).ok());
  REQUIRE(flush_and_wait(loop, *journal).ok());
  CHECK(journal->durable_index() == 5);
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery);
  REQUIRE(indexes(recovery.entries) == range(1, 5));
  CHECK(terms(recovery.entries) == std::vector<std::uint64_t>{1, 1, 1, 2, 2});
  CHECK(recovery.entries[3].op == "new-4");
  CHECK(recovery.notes.empty());
  CHECK(journal->last_index() == 5);
  CHECK(journal->last_term() == 2);
  // The journal goes on from the replaced tail.
  append_range(*journal, 6, 7, 2);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);
  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(1, 7));
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a replacing append is refused past the end and at or below the snapshot", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  append_range(*journal, 1, 6, 1);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  REQUIRE(snapshot_and_wait(loop, *journal, Snapshot{3, 1, "three"}).ok());

  Status past = journal->append_replacing(make_entry(8, 2), 1);
  CHECK(past.code == ErrorCode::conflict);
  Status committed = journal->append_replacing(make_entry(3, 2), 1);
  CHECK(committed.code == ErrorCode::conflict);
  CHECK(journal->last_index() == 6);
  CHECK(journal->append_replacing(make_entry(7, 1), 1).ok());  // at the end: a plain append
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a replacement across segments keeps segment names increasing", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  JournalOptions options;
  options.segment_bytes = 64;  // one record per segment
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  for (std::uint64_t index = 1; index <= 6; ++index) {
    append_range(*journal, index, index, 1, 100);
    REQUIRE(flush_and_wait(loop, *journal).ok());
  }
  // Back to index 3, then on, one commit each, rolling past the old names.
  REQUIRE(journal->append_replacing(make_entry(3, 2, std::string(100, 'r')), 1).ok());
  REQUIRE(flush_and_wait(loop, *journal).ok());
  for (std::uint64_t index = 4; index <= 9; ++index) {
    append_range(*journal, index, index, 2, 100);
    REQUIRE(flush_and_wait(loop, *journal).ok());
  }
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery, options);
  REQUIRE(indexes(recovery.entries) == range(1, 9));
  CHECK(terms(recovery.entries) == std::vector<std::uint64_t>{1, 1, 2, 2, 2, 2, 2, 2, 2});
  CHECK(recovery.notes.empty());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("entries replaced while their commit runs are not reported durable", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  std::vector<std::uint64_t> durable;
  journal->set_durable_callback([&](const Status& status, std::uint64_t index, std::uint64_t) {
    CHECK(status.ok());
    durable.push_back(index);
  });
  append_range(*journal, 1, 5, 1);
  journal->flush();  // 1..5 in flight
  REQUIRE(journal->append_replacing(make_entry(3, 2, "new-3"), 1).ok());
  // The first commit makes 1..5 durable but 3..5 were replaced: it reports 2;
  // the commit of the replacement, started when the first ends, reports 3.
  loop.run();
  CHECK(durable == std::vector<std::uint64_t>{2, 3});
  journal->set_durable_callback(nullptr);
  close_and_wait(loop, journal);
  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(1, 3));
  CHECK(recovery.entries.back().op == "new-3");
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("an installed snapshot replaces the whole log and appends follow it", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  JournalOptions options;
  options.segment_bytes = 64;
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  for (std::uint64_t index = 1; index <= 4; ++index) {
    append_range(*journal, index, index, 1, 100);
    REQUIRE(flush_and_wait(loop, *journal).ok());
  }
  append_range(*journal, 5, 5, 1);  // buffered, never committed: dropped by the install
  journal->flush();                 // and its queued commit does not run before the install

  Status installed = Status::error(ErrorCode::internal, "never ran");
  journal->install_snapshot(Snapshot{20, 3, "leader state at 20"},
                            [&](const Status& s) { installed = s; });
  CHECK(journal->last_index() == 20);
  CHECK(journal->last_term() == 3);
  append_range(*journal, 21, 22, 3);
  loop.run();
  INFO(installed.message);
  CHECK(installed.ok());
  CHECK(journal->durable_index() == 22);  // committed once the install was done
  CHECK(file_names(dir.data_dir() + "/journal") ==
        std::vector<std::string>{"00000000000000000021.log"});
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery, options);
  REQUIRE(recovery.snapshot);
  CHECK(recovery.snapshot->index == 20);
  CHECK(recovery.snapshot->state == "leader state at 20");
  CHECK(indexes(recovery.entries) == range(21, 22));
  CHECK(recovery.notes.empty());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a log that disagrees with the snapshot at its index is dropped on open", "[journal]") {
  // What a crash between writing an installed snapshot and removing the old
  // log leaves behind.
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  append_range(*journal, 1, 6, 1);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);
  REQUIRE(write_snapshot_file_for_test(dir.data_dir(), Snapshot{4, 2, "other history"}).ok());

  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(recovery.entries.empty());
  REQUIRE(recovery.notes.size() == 1);
  CHECK_THAT(recovery.notes[0], Catch::Contains("disagrees with snapshot 4"));
  CHECK(journal->last_index() == 4);
  append_range(*journal, 5, 5, 2);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);
  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(5, 5));
  CHECK(recovery.notes.empty());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a log that agrees with the snapshot at its index keeps its entries after it",
          "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  append_range(*journal, 1, 6, 1);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);
  REQUIRE(write_snapshot_file_for_test(dir.data_dir(), Snapshot{4, 1, "same history"}).ok());

  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(5, 6));
  CHECK(recovery.notes.empty());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("the term and vote saved come back from the next open", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK_FALSE(recovery.hard_state);
  Status saved = Status::error(ErrorCode::internal, "never ran");
  journal->save_hard_state(HardState{7, "0123456789abcdef0123456789abcdef"},
                           [&](const Status& s) { saved = s; });
  loop.run();
  CHECK(saved.ok());
  journal->save_hard_state(HardState{8, ""}, {});
  loop.run();
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery);
  REQUIRE(recovery.hard_state);
  CHECK(*recovery.hard_state == HardState{8, ""});
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a damaged hard state file refuses the start", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  close_and_wait(loop, journal);
  std::string bytes = encode_hard_state_file(HardState{3, "abc"});
  bytes[14] ^= 1;
  write_bytes(dir.data_dir() + "/HARD_STATE", bytes);
  auto opened = Journal::open(loop.get(), dir.data_dir(), {}, recovery);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code == ErrorCode::corrupt);
  CHECK_THAT(opened.status().message, Catch::Contains("HARD_STATE: checksum mismatch"));
  CHECK(loop.close() == 0);
}

TEST_CASE("the hard state decoder rejects malformed files with the reason", "[journal]") {
  const std::string good = encode_hard_state_file(HardState{5, "node"});
  REQUIRE(decode_hard_state_file(good).ok());
  CHECK(*decode_hard_state_file(good) == HardState{5, "node"});

  auto reason = [](std::string_view bytes) {
    return decode_hard_state_file(bytes).status().message;
  };
  CHECK_THAT(reason(""), Catch::Contains("shorter than"));
  CHECK_THAT(reason(good.substr(0, good.size() - 1)), Catch::Contains("were expected"));
  CHECK_THAT(reason(good + "x"), Catch::Contains("were expected"));
  std::string magic = good;
  magic[0] = 'X';
  CHECK_THAT(reason(magic), Catch::Contains("bad magic"));
  std::string version = good;
  version[8] = 9;
  CHECK_THAT(reason(version), Catch::Contains("format version 9"));
  std::string long_vote = good;
  long_vote[20] = static_cast<char>(0xFF);
  CHECK_THAT(reason(long_vote), Catch::Contains("over the limit"));
  std::string flipped = good;
  flipped[good.size() - 6] ^= 0x20;
  CHECK_THAT(reason(flipped), Catch::Contains("checksum mismatch"));
}

TEST_CASE("a snapshot install cut short at any step recovers to the snapshot and no stale entry",
          "[journal]") {
  // The follower's log 1..8 (term 1, one entry a segment) is replaced by the
  // leader's snapshot at 5 (term 2). A crash can leave: the snapshot beside
  // the whole old log; then without the segment the install recreates (6);
  // then with the new empty segment 6; then with only part of the old log
  // removed. Each must open to the snapshot and an empty log after it, and
  // take the next append.
  namespace fs = std::filesystem;
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  JournalOptions options;
  options.segment_bytes = 64;
  const std::string before = dir.path() + "/before";
  const std::string after = dir.path() + "/after";
  {
    auto journal = open_journal(loop, after, recovery, options);
    for (std::uint64_t index = 1; index <= 8; ++index) {
      append_range(*journal, index, index, 1, 100);
      REQUIRE(flush_and_wait(loop, *journal).ok());
    }
    close_and_wait(loop, journal);
    fs::copy(after, before, fs::copy_options::recursive);
    journal = open_journal(loop, after, recovery, options);
    Status installed = Status::error(ErrorCode::internal, "never ran");
    journal->install_snapshot(Snapshot{5, 2, "leader state at 5"},
                              [&](const Status& s) { installed = s; });
    loop.run();
    REQUIRE(installed.ok());
    close_and_wait(loop, journal);
  }
  const std::string kept = "00000000000000000006.log";
  REQUIRE(fs::exists(before + "/journal/" + kept));
  REQUIRE(file_names(after + "/journal") == std::vector<std::string>{kept});

  for (int step = 1; step <= 4; ++step) {
    DYNAMIC_SECTION("cut short at step " << step) {
      const std::string crashed = dir.path() + "/crashed";
      fs::remove_all(crashed);
      fs::copy(before, crashed, fs::copy_options::recursive);
      fs::remove_all(crashed + "/snapshots");
      fs::copy(after + "/snapshots", crashed + "/snapshots", fs::copy_options::recursive);
      if (step >= 2) fs::remove(crashed + "/journal/" + kept);
      if (step >= 3) fs::copy(after + "/journal/" + kept, crashed + "/journal/" + kept);
      if (step >= 4) fs::remove(crashed + "/journal/00000000000000000001.log");

      auto journal = open_journal(loop, crashed, recovery, options);
      REQUIRE(recovery.snapshot);
      CHECK(recovery.snapshot->index == 5);
      CHECK(recovery.snapshot->term == 2);
      CHECK(recovery.entries.empty());
      std::string notes;
      for (const std::string& note : recovery.notes) notes += note + "\n";
      CHECK_THAT(notes, Catch::Contains("disagrees with snapshot 5"));
      CHECK(journal->last_index() == 5);
      CHECK(journal->last_term() == 2);
      append_range(*journal, 6, 6, 2);
      REQUIRE(flush_and_wait(loop, *journal).ok());
      close_and_wait(loop, journal);
      journal = open_journal(loop, crashed, recovery, options);
      CHECK(indexes(recovery.entries) == range(6, 6));
      CHECK(terms(recovery.entries) == std::vector<std::uint64_t>{2});
      close_and_wait(loop, journal);
    }
  }
  CHECK(loop.close() == 0);
}

}  // namespace desaster
