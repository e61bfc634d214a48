// Snapshots through the journal: written on the thread pool in turn with
// commits, then the segments and older snapshots they replace are deleted.
#include <catch2/catch.hpp>

#include "core/journal/journal.hpp"
#include "tests/unit/journal_test_support.hpp"

namespace desaster {

using namespace journal_test;

TEST_CASE("a snapshot and a reopen give the snapshot and the entries after it", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  append_range(*journal, 1, 10, 3);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  const std::uint64_t before = journal->bytes_since_snapshot();
  CHECK(before > 0);
  REQUIRE(snapshot_and_wait(loop, *journal, Snapshot{6, 3, "state at 6"}).ok());
  CHECK(journal->bytes_since_snapshot() == 0);
  append_range(*journal, 11, 12, 4);
  CHECK(journal->bytes_since_snapshot() > 0);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery);
  REQUIRE(recovery.snapshot);
  CHECK(recovery.snapshot->index == 6);
  CHECK(recovery.snapshot->term == 3);
  CHECK(recovery.snapshot->state == "state at 6");
  CHECK(indexes(recovery.entries) == range(7, 12));
  CHECK(journal->last_index() == 12);
  CHECK(journal->last_term() == 4);
  CHECK(journal->bytes_since_snapshot() > 0);
  CHECK(journal->bytes_since_snapshot() < before);
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a snapshot deletes older snapshots and the segments it covers", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  JournalOptions options;
  options.segment_bytes = 64;  // one record per segment
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  for (std::uint64_t index = 1; index <= 10; ++index) {
    append_range(*journal, index, index, 1, 100);
    REQUIRE(flush_and_wait(loop, *journal).ok());
  }
  CHECK(file_names(dir.data_dir() + "/journal").size() == 10);

  REQUIRE(snapshot_and_wait(loop, *journal, Snapshot{4, 1, "four"}).ok());
  CHECK(file_names(dir.data_dir() + "/journal").size() == 6);
  REQUIRE(snapshot_and_wait(loop, *journal, Snapshot{8, 1, "eight"}).ok());
  CHECK(file_names(dir.data_dir() + "/snapshots") ==
        std::vector<std::string>{"00000000000000000008.snap"});
  // Segment 8 holds nothing the snapshot lacks, as segment 9 starts right after it.
  CHECK(file_names(dir.data_dir() + "/journal") ==
        std::vector<std::string>{"00000000000000000009.log", "00000000000000000010.log"});

  // The current segment is kept even when the snapshot covers all of it.
  REQUIRE(snapshot_and_wait(loop, *journal, Snapshot{10, 1, "ten"}).ok());
  CHECK(file_names(dir.data_dir() + "/journal") ==
        std::vector<std::string>{"00000000000000000010.log"});
  append_range(*journal, 11, 11);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery, options);
  REQUIRE(recovery.snapshot);
  CHECK(recovery.snapshot->state == "ten");
  CHECK(indexes(recovery.entries) == range(11, 11));
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a snapshot past the durable index is refused", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  append_range(*journal, 1, 3);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  append_range(*journal, 4, 4);  // appended, not durable
  Status status = snapshot_and_wait(loop, *journal, Snapshot{4, 1, "too new"});
  CHECK(status.code == ErrorCode::conflict);
  CHECK_THAT(status.message, Catch::Contains("durable index 3"));
  CHECK(file_names(dir.data_dir() + "/snapshots").empty());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("snapshots and commits run one at a time in the order asked", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  std::vector<std::string> events;
  journal->set_durable_callback([&](const Status& status, std::uint64_t index, std::uint64_t) {
    events.push_back("durable " + std::to_string(index) + (status.ok() ? "" : " failed"));
  });
  append_range(*journal, 1, 3);
  journal->flush();
  journal->write_snapshot(Snapshot{3, 1, "s"}, [&](const Status& status) {
    events.push_back(std::string("snapshot ") + (status.ok() ? "ok" : status.message));
  });
  append_range(*journal, 4, 5);
  journal->flush();
  loop.run();
  CHECK(events == std::vector<std::string>{"durable 3", "snapshot ok", "durable 5"});
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

}  // namespace desaster
