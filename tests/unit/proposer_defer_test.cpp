// Proposer::may_defer_flush: a flush may wait only while every op appended
// since the last flush is a lease, and only for kLeaseFlushDelayMs.
#include "core/node/proposer.hpp"

#include "tests/unit/journal_test_support.hpp"

namespace desaster {

using namespace journal_test;

TEST_CASE("only leases appended since the last flush let the flush wait, and not for long",
          "[proposer]") {
  TempDir dir;
  TestLoop loop;
  Recovery recovery;
  auto journal = open_journal(loop, dir.data_dir(), recovery);
  State state;
  Logger log;
  TimeMs clock = 1'700'000'000'000;
  Proposer proposer(*journal, state, log, [&] { return clock; });

  CHECK_FALSE(proposer.may_defer_flush(clock));  // nothing appended

  proposer.propose(LeaseOp{});
  CHECK(proposer.may_defer_flush(clock));
  CHECK(proposer.deferred_flush_due() == clock + Proposer::kLeaseFlushDelayMs);
  CHECK(proposer.may_defer_flush(clock + Proposer::kLeaseFlushDelayMs - 1));
  CHECK_FALSE(proposer.may_defer_flush(clock + Proposer::kLeaseFlushDelayMs));
  CHECK_FALSE(proposer.may_defer_flush(clock - 1000));  // the wall clock went back

  SECTION("anything else appended after a lease flushes at once") {
    proposer.propose(ReleaseOp{});
    CHECK_FALSE(proposer.may_defer_flush(clock));
  }
  SECTION("after a flush, a new lease starts a new wait") {
    proposer.flushed();
    journal->flush();
    CHECK_FALSE(proposer.may_defer_flush(clock));
    clock += 10;
    proposer.propose(LeaseOp{});
    CHECK(proposer.may_defer_flush(clock));
    proposer.flushed();
    journal->flush();
  }
  SECTION("an op other than a lease never waits") {
    proposer.flushed();
    journal->flush();
    proposer.propose(ReleaseOp{});
    CHECK_FALSE(proposer.may_defer_flush(clock));
  }
  journal->flush();
  loop.run();
  CHECK(journal->durable_index() == journal->last_index());
  close_and_wait(loop, journal);
  CHECK(loop.close() == 0);
}

}  // namespace desaster
