// The journal's inline commit (JournalOptions::inline_commit_bytes): a small
// commit started while nothing is in flight runs inside flush(), on the
// calling thread, and is exactly as durable as one on the thread pool.
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "core/journal/journal.hpp"
#include "tests/unit/journal_test_support.hpp"

namespace desaster {

using namespace journal_test;

namespace {

JournalOptions inline_options(std::shared_ptr<std::atomic<int>> syncs,
                              std::shared_ptr<std::atomic<bool>> failing = nullptr) {
  JournalOptions options;
  options.inline_commit_bytes = 1024;
  options.sync_hook = [syncs, failing](int fd) {
    ++*syncs;
    if (failing && *failing) {
      errno = EIO;
      return -1;
    }
    return ::fdatasync(fd);
  };
  return options;
}

}  // namespace

TEST_CASE("a small commit runs inside flush, synced, and comes back from the next open",
          "[journal][inline]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto syncs = std::make_shared<std::atomic<int>>(0);
  auto journal = open_journal(loop, dir.data_dir(), recovery, inline_options(syncs));
  std::vector<std::uint64_t> durable;
  journal->set_durable_callback([&](const Status& status, std::uint64_t index, std::uint64_t) {
    CHECK(status.ok());
    durable.push_back(index);
  });
  append_range(*journal, 1, 3);
  journal->flush();
  // No loop turn: the callback ran after the sync, before flush returned.
  CHECK(durable == std::vector<std::uint64_t>{3});
  CHECK(*syncs == 1);
  CHECK(journal->durable_index() == 3);
  CHECK_FALSE(journal->busy());
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(1, 3));
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a commit over the inline limit goes to the thread pool", "[journal][inline]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto syncs = std::make_shared<std::atomic<int>>(0);
  auto journal = open_journal(loop, dir.data_dir(), recovery, inline_options(syncs));
  std::vector<std::uint64_t> durable;
  journal->set_durable_callback(
      [&](const Status&, std::uint64_t index, std::uint64_t) { durable.push_back(index); });
  append_range(*journal, 1, 4, 1, 400);  // 1,600 bytes of ops
  journal->flush();
  CHECK(durable.empty());
  CHECK(journal->busy());
  loop.run();
  CHECK(durable == std::vector<std::uint64_t>{4});
  CHECK(*syncs == 1);
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a flush from inside an inline commit's callback commits on the pool, in order",
          "[journal][inline]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto syncs = std::make_shared<std::atomic<int>>(0);
  auto journal = open_journal(loop, dir.data_dir(), recovery, inline_options(syncs));
  std::vector<std::uint64_t> durable;
  int depth = 0, deepest = 0;
  journal->set_durable_callback([&](const Status&, std::uint64_t index, std::uint64_t) {
    deepest = std::max(deepest, ++depth);
    durable.push_back(index);
    if (index < 3) {
      REQUIRE(journal->append(make_entry(index + 1)).ok());
      journal->flush();
    }
    --depth;
  });
  append_range(*journal, 1, 1);
  journal->flush();
  CHECK(durable == std::vector<std::uint64_t>{1});
  loop.run();
  CHECK(durable == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(deepest == 1);
  CHECK(*syncs == 3);
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

TEST_CASE("a failed inline sync reports the error and leaves nothing of the commit on disk",
          "[journal][inline]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto syncs = std::make_shared<std::atomic<int>>(0);
  auto failing = std::make_shared<std::atomic<bool>>(false);
  auto journal = open_journal(loop, dir.data_dir(), recovery, inline_options(syncs, failing));
  append_range(*journal, 1, 2);
  REQUIRE(flush_and_wait(loop, *journal).ok());
  const std::string durable_bytes = read_bytes(segment_path(dir.data_dir(), 1));

  *failing = true;
  append_range(*journal, 3, 4);
  Status status = Status::success();
  std::uint64_t first_failed = 0;
  journal->set_durable_callback([&](const Status& s, std::uint64_t, std::uint64_t failed) {
    status = s;
    first_failed = failed;
  });
  journal->flush();
  CHECK(status.code == ErrorCode::io_error);
  CHECK(first_failed == 3);
  CHECK(read_bytes(segment_path(dir.data_dir(), 1)) == durable_bytes);
  CHECK(journal->last_index() == 2);
  close_and_wait(loop, journal);

  journal = open_journal(loop, dir.data_dir(), recovery);
  CHECK(indexes(recovery.entries) == range(1, 2));
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

}  // namespace desaster
