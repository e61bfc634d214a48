// FeedReplica: the state feed's subscriber side, fed by hand. The "node" is a
// State that applies the same entries, so the replica must end equal to it.
#include <catch2/catch.hpp>

#include "core/state/feed_replica.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

// The node side: applies entries to its own State and hands them out.
struct Source {
  State state;
  std::vector<LogEntry> entries;  // entries[i] has index i + 1

  void add(const Op& op) {
    LogEntry e{1, entries.size() + 1, kT0 + static_cast<TimeMs>(entries.size()), encode_op(op)};
    state.apply(op, ApplyContext{e.term, e.index, e.timestamp});
    entries.push_back(std::move(e));
  }
  void enqueue(JobId id) { add(EnqueueOp{{make_job(id)}}); }
  const LogEntry& at(std::uint64_t index) const { return entries.at(index - 1); }
};

Source source_with(int jobs) {
  Source s;
  for (int i = 1; i <= jobs; ++i) s.enqueue(static_cast<JobId>(i));
  return s;
}

struct Recorder {
  std::vector<std::uint64_t> indexes;
  void attach(FeedReplica& replica) {
    replica.set_on_applied(
        [this](const LogEntry& e, const Op&, const ApplyResult&) { indexes.push_back(e.index); });
  }
};

std::vector<std::uint64_t> range(std::uint64_t from, std::uint64_t to) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = from; i <= to; ++i) out.push_back(i);
  return out;
}

}  // namespace

TEST_CASE("a feed replica applies entries that come in order", "[core][feed]") {
  Source node = source_with(5);
  FeedReplica replica;
  Recorder seen;
  seen.attach(replica);
  REQUIRE(replica.load_snapshot(0, 0, State().encode_snapshot()).ok());
  for (const LogEntry& e : node.entries) CHECK(*replica.offer(e) == FeedOffer::applied);
  CHECK(replica.index() == 5);
  CHECK(seen.indexes == range(1, 5));
  CHECK(replica.state().encode_snapshot() == node.state.encode_snapshot());
  CHECK_FALSE(replica.gap());
}

TEST_CASE("a feed replica buffers entries ahead of its index until the gap is filled",
          "[core][feed]") {
  Source node = source_with(6);
  FeedReplica replica;
  Recorder seen;
  seen.attach(replica);
  REQUIRE(replica.load_snapshot(0, 0, State().encode_snapshot()).ok());
  CHECK(*replica.offer(node.at(1)) == FeedOffer::applied);
  CHECK(*replica.offer(node.at(4)) == FeedOffer::buffered);
  CHECK(*replica.offer(node.at(5)) == FeedOffer::buffered);
  CHECK(replica.index() == 1);
  CHECK(replica.buffered() == 2);
  CHECK(*replica.offer(node.at(2)) == FeedOffer::applied);
  CHECK(*replica.offer(node.at(3)) == FeedOffer::applied);
  CHECK(replica.index() == 5);
  CHECK(replica.buffered() == 0);
  CHECK(seen.indexes == range(1, 5));
}

TEST_CASE("a feed replica reports the range it is missing", "[core][feed]") {
  Source node = source_with(10);
  FeedReplica replica;
  REQUIRE(replica.load_snapshot(0, 0, State().encode_snapshot()).ok());
  CHECK_FALSE(replica.gap());
  REQUIRE(*replica.offer(node.at(1)) == FeedOffer::applied);
  REQUIRE(*replica.offer(node.at(7)) == FeedOffer::buffered);
  REQUIRE(*replica.offer(node.at(9)) == FeedOffer::buffered);
  CHECK(replica.gap() == FeedGap{2, 6});
  for (std::uint64_t i = 2; i <= 6; ++i) replica.offer(node.at(i));
  CHECK(replica.index() == 7);
  CHECK(replica.gap() == FeedGap{8, 8});
}

TEST_CASE("a feed replica ignores duplicates and entries at or below its index", "[core][feed]") {
  Source node = source_with(4);
  FeedReplica replica;
  Recorder seen;
  seen.attach(replica);
  REQUIRE(replica.load_snapshot(0, 0, State().encode_snapshot()).ok());
  REQUIRE(*replica.offer(node.at(1)) == FeedOffer::applied);
  REQUIRE(*replica.offer(node.at(2)) == FeedOffer::applied);
  CHECK(*replica.offer(node.at(2)) == FeedOffer::duplicate);
  CHECK(*replica.offer(node.at(1)) == FeedOffer::duplicate);
  CHECK(*replica.offer(node.at(4)) == FeedOffer::buffered);
  CHECK(*replica.offer(node.at(4)) == FeedOffer::duplicate);
  CHECK(*replica.offer(node.at(3)) == FeedOffer::applied);
  CHECK(seen.indexes == range(1, 4));
  CHECK(replica.state().encode_snapshot() == node.state.encode_snapshot());
}

TEST_CASE("a feed replica drops entries its snapshot covers and applies the rest", "[core][feed]") {
  Source node = source_with(8);
  // What the node's state was at index 5.
  Source at5 = source_with(5);
  FeedReplica replica;
  Recorder seen;
  seen.attach(replica);
  // Subscribed first: entries 3..8 arrive before the snapshot.
  for (std::uint64_t i = 3; i <= 8; ++i) CHECK(*replica.offer(node.at(i)) == FeedOffer::buffered);
  CHECK(replica.needs_snapshot());
  CHECK_FALSE(replica.gap());
  REQUIRE(replica.load_snapshot(5, 1, at5.state.encode_snapshot()).ok());
  CHECK(replica.index() == 8);
  CHECK(seen.indexes == range(6, 8));
  CHECK(replica.state().encode_snapshot() == node.state.encode_snapshot());
  // Older entries after the snapshot are duplicates.
  CHECK(*replica.offer(node.at(2)) == FeedOffer::duplicate);
  CHECK(*replica.offer(node.at(5)) == FeedOffer::duplicate);
}

TEST_CASE("a feed replica steps over a membership change without touching the state",
          "[core][feed]") {
  Source node = source_with(2);
  LogEntry change{1, 3, kT0, "\x93\x01\x01\x00", EntryKind::config_change};
  LogEntry after{1, 4, kT0 + 9, encode_op(EnqueueOp{{make_job(9)}})};
  node.state.apply(EnqueueOp{{make_job(9)}}, ApplyContext{1, 4, kT0 + 9});
  FeedReplica replica;
  REQUIRE(replica.load_snapshot(0, 0, State().encode_snapshot()).ok());
  replica.offer(node.at(1));
  replica.offer(node.at(2));
  CHECK(*replica.offer(change) == FeedOffer::applied);
  CHECK(replica.index() == 3);
  CHECK(*replica.offer(after) == FeedOffer::applied);
  CHECK(replica.state().encode_snapshot() == node.state.encode_snapshot());
}

TEST_CASE("a feed replica whose buffer overflows behind a gap needs a snapshot", "[core][feed]") {
  Source node = source_with(10);
  FeedReplica replica(3);
  REQUIRE(replica.load_snapshot(0, 0, State().encode_snapshot()).ok());
  for (std::uint64_t i = 3; i <= 5; ++i) REQUIRE(*replica.offer(node.at(i)) == FeedOffer::buffered);
  CHECK(*replica.offer(node.at(6)) == FeedOffer::dropped);
  CHECK(replica.needs_snapshot());
  CHECK_FALSE(replica.gap());
  REQUIRE(replica.load_snapshot(10, 1, node.state.encode_snapshot()).ok());
  CHECK_FALSE(replica.needs_snapshot());
  CHECK(replica.index() == 10);
}

TEST_CASE("a feed replica keeps the newest entries while it waits for its first snapshot",
          "[core][feed]") {
  Source node = source_with(6);
  FeedReplica replica(2);
  for (std::uint64_t i = 1; i <= 4; ++i) replica.offer(node.at(i));
  CHECK(replica.buffered() == 2);
  Source at2 = source_with(2);
  // Entries 1 and 2 went; the snapshot at 2 covers them.
  REQUIRE(replica.load_snapshot(2, 1, at2.state.encode_snapshot()).ok());
  CHECK(replica.index() == 4);
}

TEST_CASE("a feed replica refuses an entry whose op does not decode and needs a snapshot",
          "[core][feed]") {
  FeedReplica replica;
  REQUIRE(replica.load_snapshot(0, 0, State().encode_snapshot()).ok());
  Result<FeedOffer> offered = replica.offer(LogEntry{1, 1, kT0, "\xc1"});
  REQUIRE_FALSE(offered.ok());
  CHECK_THAT(offered.status().message, Catch::Contains("feed entry 1 does not decode"));
  CHECK(replica.needs_snapshot());
  CHECK(replica.index() == 0);
}

TEST_CASE("a feed replica refuses snapshot bytes that do not decode and keeps its state",
          "[core][feed]") {
  Source node = source_with(2);
  FeedReplica replica;
  REQUIRE(replica.load_snapshot(0, 0, State().encode_snapshot()).ok());
  replica.offer(node.at(1));
  CHECK_FALSE(replica.load_snapshot(9, 1, "not a snapshot").ok());
  CHECK(replica.index() == 1);
  CHECK(replica.state().find(1) != nullptr);
}
