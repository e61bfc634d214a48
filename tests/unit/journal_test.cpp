// The journal at run time: group commit, failures of the disk, the data dir
// lock and segment rolls. Real files in a fresh temporary dir,
// a real libuv loop run until the callbacks have fired.
#include "core/journal/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "tests/unit/journal_test_support.hpp"

namespace desaster {

using namespace journal_test;

TEST_CASE("entries appended and flushed come back from the next open", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(recovery.entries.empty());
  CHECK_FALSE(recovery.snapshot);
  CHECK(journal->last_index() == 0);

  append_range(*journal, 1, 5, 2);
  CHECK(journal->last_index() == 5);
  CHECK(journal->durable_index() == 0);
  CHECK(flush_and_wait(loop, *journal).ok());
  CHECK(journal->durable_index() == 5);
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery);
  REQUIRE(indexes(recovery.entries) == range(1, 5));
  CHECK(recovery.entries[2].op == "op-3");
  CHECK(recovery.entries[2].term == 2);
  CHECK(recovery.entries[2].timestamp == make_entry(3).timestamp);
  CHECK(recovery.notes.empty());
  CHECK(recovery.truncated_bytes == 0);
  CHECK(journal->last_index() == 5);
  CHECK(journal->durable_index() == 5);
  CHECK(journal->last_term() == 2);
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("one flush commits every entry appended in the turn with one sync", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto syncs = std::make_shared<std::atomic<int>>(0);
  JournalOptions options;
  options.sync_hook = [syncs](int fd) {
    ++*syncs;
    return ::fdatasync(fd);
  };
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  std::vector<std::uint64_t> durable;
  journal->set_durable_callback([&](const Status& status, std::uint64_t index, std::uint64_t) {
    CHECK(status.ok());
    durable.push_back(index);
  });
  append_range(*journal, 1, 100);
  journal->flush();
  journal->flush();  // a second flush in the same turn adds no work
  CHECK(journal->busy());
  loop.run();
  CHECK(durable == std::vector<std::uint64_t>{100});
  CHECK(*syncs == 1);
  CHECK_FALSE(journal->busy());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("the sync observer hears how long each group commit's fdatasync took", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto fail_next = std::make_shared<std::atomic<bool>>(false);
  JournalOptions options;
  options.sync_hook = [fail_next](int fd) {
    if (fail_next->exchange(false)) {
      errno = EIO;
      return -1;
    }
    ::usleep(2000);  // a sync that takes at least 2 ms
    return ::fdatasync(fd);
  };
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  std::vector<double> seen;
  journal->set_sync_observer([&](double seconds) { seen.push_back(seconds); });
  append_range(*journal, 1, 10);
  CHECK(flush_and_wait(loop, *journal).ok());
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] >= 0.002);
  CHECK(seen[0] < 10);
  // A failed sync is no latency sample: the commit reports the failure.
  fail_next->store(true);
  append_range(*journal, 11, 12);
  CHECK_FALSE(flush_and_wait(loop, *journal).ok());
  CHECK(seen.size() == 1);
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("entries appended while a commit runs go into the next commit", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto syncs = std::make_shared<std::atomic<int>>(0);
  JournalOptions options;
  options.sync_hook = [syncs](int fd) {
    ++*syncs;
    return ::fdatasync(fd);
  };
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  std::vector<std::uint64_t> durable;
  journal->set_durable_callback(
      [&](const Status&, std::uint64_t index, std::uint64_t) { durable.push_back(index); });
  append_range(*journal, 1, 3);
  journal->flush();
  // The loop has not run, so the first commit cannot have finished: these
  // wait for it and need no flush of their own.
  append_range(*journal, 4, 10);
  loop.run();
  CHECK(durable == std::vector<std::uint64_t>{3, 10});
  CHECK(*syncs == 2);
  CHECK(journal->durable_index() == 10);
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("entries appended from the durable callback are committed next", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  std::vector<std::uint64_t> durable;
  journal->set_durable_callback([&](const Status&, std::uint64_t index, std::uint64_t) {
    durable.push_back(index);
    if (index < 3) {
      REQUIRE(journal->append(make_entry(index + 1)).ok());
      journal->flush();
    }
  });
  append_range(*journal, 1, 1);
  journal->flush();
  loop.run();
  CHECK(durable == std::vector<std::uint64_t>{1, 2, 3});
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("append refuses an entry out of sequence", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  append_range(*journal, 1, 2, 5);
  Status status = journal->append(make_entry(4, 5));
  CHECK(status.code == ErrorCode::conflict);
  CHECK_THAT(status.message, Catch::Contains("index 4") && Catch::Contains("3"));
  status = journal->append(make_entry(2, 5));
  CHECK(status.code == ErrorCode::conflict);
  status = journal->append(make_entry(3, 4));
  CHECK(status.code == ErrorCode::conflict);
  CHECK_THAT(status.message, Catch::Contains("term"));
  CHECK(journal->last_index() == 2);
  CHECK(journal->append(make_entry(3, 6)).ok());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("close commits what is buffered before it calls back", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  std::vector<std::string> events;
  journal->set_durable_callback([&](const Status& status, std::uint64_t index, std::uint64_t) {
    events.push_back("durable " + std::to_string(index) + (status.ok() ? "" : " failed"));
  });
  append_range(*journal, 1, 2);
  journal->flush();
  append_range(*journal, 3, 4);
  journal->close([&] { events.push_back("closed"); });
  CHECK(journal->append(make_entry(5)).code == ErrorCode::unavailable);
  loop.run();
  CHECK(events == std::vector<std::string>{"durable 2", "durable 4", "closed"});
  journal.reset();

  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(1, 4));
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a journal destroyed while a commit runs lets the loop close", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  int callbacks = 0;
  journal->set_durable_callback([&](const Status&, std::uint64_t, std::uint64_t) { ++callbacks; });
  append_range(*journal, 1, 3);
  journal->flush();
  journal.reset();
  loop.run();
  CHECK(callbacks == 0);
  CHECK(loop.close() == 0);
}

TEST_CASE("a second open of the same data dir fails as in use", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);

  Recovery second_recovery;
  auto second = Journal::open(loop.get(), dir.data_dir(), {}, second_recovery);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code == ErrorCode::unavailable);
  CHECK(second.status().message == "data dir " + dir.data_dir() +
                                       " is in use by another desaster (pid " +
                                       std::to_string(::getpid()) + ")");

  close_and_wait(loop, journal);
  journal = open_journal(loop, dir.data_dir(), recovery);  // released by close
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a lock file left by a dead process does not block open", "[journal]") {
  TempDir dir;
  TestLoop loop;
  std::filesystem::create_directories(dir.data_dir());
  write_bytes(dir.data_dir() + "/LOCK", "999999\n");
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(read_bytes(dir.data_dir() + "/LOCK") == std::to_string(::getpid()) + "\n");
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a data dir that cannot be created gives an io_error naming it", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  // Tests run as root, so permission bits would not stop us: use files where
  // directories are expected.
  const std::string file = dir.path() + "/plain-file";
  write_bytes(file, "not a directory");
  auto opened = Journal::open(loop.get(), file, {}, recovery);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code == ErrorCode::io_error);
  CHECK_THAT(opened.status().message, Catch::Contains(file) && Catch::Contains("Not a directory"));

  opened = Journal::open(loop.get(), file + "/data", {}, recovery);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code == ErrorCode::io_error);
  CHECK_THAT(opened.status().message, Catch::Contains(file));

  std::filesystem::create_directories(dir.data_dir());
  write_bytes(dir.data_dir() + "/journal", "in the way");
  opened = Journal::open(loop.get(), dir.data_dir(), {}, recovery);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code == ErrorCode::io_error);
  CHECK_THAT(opened.status().message, Catch::Contains(dir.data_dir() + "/journal"));

  // The failed open released the lock.
  std::filesystem::remove(dir.data_dir() + "/journal");
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a failed write drops the commit, leaves the file as it was, and the journal recovers",
          "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto disk_full = std::make_shared<std::atomic<bool>>(false);
  JournalOptions options;
  // Half of the bytes reach the file before the disk is full, as a real
  // short write would leave them.
  options.write_hook = [disk_full](int fd, const void* data, std::size_t size) -> ssize_t {
    if (!*disk_full) return ::write(fd, data, size);
    if (size > 1) {
      const ssize_t written = ::write(fd, data, size / 2);
      if (written > 0) return written;
    }
    errno = ENOSPC;
    return -1;
  };
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  append_range(*journal, 1, 3);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  const std::string segment = segment_path(dir.data_dir(), 1);
  const std::string durable_bytes = read_bytes(segment);

  *disk_full = true;
  std::vector<std::string> calls;
  journal->set_durable_callback(
      [&](const Status& status, std::uint64_t last, std::uint64_t first_failed) {
        calls.push_back(std::string(to_string(status.code)) + " " + status.message + " last=" +
                        std::to_string(last) + " first_failed=" + std::to_string(first_failed));
      });
  append_range(*journal, 4, 6);
  journal->flush();
  append_range(*journal, 7, 8);  // buffered while the failing commit runs: dropped too
  loop.run();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0] == "io_error journal write failed: No space left on device last=3 first_failed=4");
  CHECK(journal->last_index() == 3);
  CHECK(journal->durable_index() == 3);
  CHECK(read_bytes(segment) == durable_bytes);
  CHECK(journal->append(make_entry(7)).code == ErrorCode::conflict);

  *disk_full = false;  // space was freed
  calls.clear();
  append_range(*journal, 4, 5);
  journal->flush();
  loop.run();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0] == "ok  last=5 first_failed=0");
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(1, 5));
  CHECK(recovery.notes.empty());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a failed sync drops the commit and cuts the segment back", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto failing = std::make_shared<std::atomic<bool>>(false);
  JournalOptions options;
  options.sync_hook = [failing](int fd) {
    if (*failing) {
      errno = EIO;
      return -1;
    }
    return ::fdatasync(fd);
  };
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  append_range(*journal, 1, 2);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  const std::string durable_bytes = read_bytes(segment_path(dir.data_dir(), 1));

  *failing = true;
  append_range(*journal, 3, 4);
  Status status = flush_and_wait(loop, *journal);
  CHECK(status.code == ErrorCode::io_error);
  CHECK(status.message == "journal sync failed: Input/output error");
  CHECK(read_bytes(segment_path(dir.data_dir(), 1)) == durable_bytes);
  CHECK(journal->last_index() == 2);
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(1, 2));
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a segment past segment_bytes rolls to one named after its first index", "[journal]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  JournalOptions options;
  options.segment_bytes = 200;
  auto journal = open_journal(loop, dir.data_dir(), recovery, options);
  append_range(*journal, 1, 2, 1, 100);  // about 230 bytes with the header: over the limit
  REQUIRE(flush_and_wait(loop, *journal).ok());
  append_range(*journal, 3, 3, 1, 100);  // still under it once in the new segment
  REQUIRE(flush_and_wait(loop, *journal).ok());
  append_range(*journal, 4, 5, 1, 100);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  CHECK(file_names(dir.data_dir() + "/journal") ==
        std::vector<std::string>{"00000000000000000001.log", "00000000000000000003.log"});
  append_range(*journal, 6, 6, 1, 100);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  CHECK(file_names(dir.data_dir() + "/journal") ==
        std::vector<std::string>{"00000000000000000001.log", "00000000000000000003.log",
                                 "00000000000000000006.log"});
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery, options);
  CHECK(indexes(recovery.entries) == range(1, 6));
  append_range(*journal, 7, 7);  // continues in the last segment
  REQUIRE(flush_and_wait(loop, *journal).ok());
  CHECK(file_names(dir.data_dir() + "/journal").size() == 3);
  close_and_wait(loop, journal);
  journal = open_journal(loop, dir.data_dir(), recovery, options);
  CHECK(indexes(recovery.entries) == range(1, 7));
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

}  // namespace desaster
