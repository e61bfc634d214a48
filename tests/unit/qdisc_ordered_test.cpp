// fifo and priority: one fixed order each, with released jobs at the head.
#include <catch2/catch.hpp>

#include "tests/unit/qdisc_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

TEST_CASE("fifo dispatches by id, released jobs first and the latest release first",
          "[qdisc][fifo]") {
  auto q = make(qconfig(QdiscKind::fifo));
  insert_all(*q,
             {qentry(5), qentry(3), qentry(9), qentry(7, "f", 0, 0, 1), qentry(8, "f", 0, 0, 2)});
  CHECK(q->plan(0, 10) == std::vector<JobId>{8, 7, 3, 5, 9});
}

TEST_CASE("fifo ignores priorities", "[qdisc][fifo]") {
  auto q = make(qconfig(QdiscKind::fifo));
  insert_all(*q, {qentry(1, "f", -5), qentry(2, "f", 100), qentry(3, "f", 0)});
  CHECK(q->plan(0, 10) == std::vector<JobId>{1, 2, 3});
}

TEST_CASE("priority dispatches higher priorities first, released jobs then FIFO within one",
          "[qdisc][priority]") {
  auto q = make(qconfig(QdiscKind::priority));
  insert_all(*q, {qentry(1, "f", 0), qentry(2, "f", 5), qentry(3, "f", 0, 0, 4), qentry(4, "f", 5),
                  qentry(5, "f", -1)});
  CHECK(q->plan(0, 10) == std::vector<JobId>{2, 4, 3, 1, 5});
}

TEST_CASE("without aging an old low-priority job waits behind every newer higher one",
          "[qdisc][priority]") {
  auto q = make(qconfig(QdiscKind::priority));
  insert_all(*q, {qentry(1, "f", 0, 0), qentry(2, "f", 1, 1'000'000)});
  CHECK(q->plan(2'000'000, 10) == std::vector<JobId>{2, 1});
}

TEST_CASE("priority aging lets a low-priority job through once it has waited long enough",
          "[qdisc][priority]") {
  QdiscConfig c = qconfig(QdiscKind::priority);
  c.aging_ms = 1000;  // +1 priority per second waited
  auto q = make(c);
  // Job 1: priority 0, ready at 0 s. Job 2: priority 5, ready at 10 s: at any
  // time job 1 has gained 10 more than job 2, which outweighs 5.
  // Job 3: priority 5, ready at 3 s: job 1 gains only 3 on it, so it goes first.
  insert_all(*q, {qentry(1, "f", 0, 0), qentry(2, "f", 5, 10'000), qentry(3, "f", 5, 3'000)});
  CHECK(q->plan(10'000, 10) == std::vector<JobId>{3, 1, 2});
  // A new priority-0 job cannot pass job 1: older at equal priority.
  REQUIRE(q->insert(qentry(4, "f", 0, 10'000)).ok());
  CHECK(q->plan(10'000, 10) == std::vector<JobId>{3, 1, 2, 4});
}

TEST_CASE("fifo and priority give a job's rank as its turn", "[qdisc][fifo][priority]") {
  for (QdiscKind kind : {QdiscKind::fifo, QdiscKind::priority}) {
    auto q = make(qconfig(kind));
    for (JobId id = 1; id <= 1000; ++id) REQUIRE(q->insert(qentry(id)).ok());
    REQUIRE(q->erase(10));
    std::optional<Turn> turn = q->turn_of(500);
    REQUIRE(turn);
    CHECK(turn->jobs_ahead == 498);
    CHECK(turn->own_ahead == 498);
    CHECK(turn->shaped_rate == 0);
    CHECK_FALSE(q->turn_of(10));
  }
}

TEST_CASE("a discipline refuses a job it already holds and erase reports an unknown id",
          "[qdisc]") {
  auto q = make(qconfig(QdiscKind::fifo));
  REQUIRE(q->insert(qentry(1)).ok());
  Status again = q->insert(qentry(1));
  CHECK(again.code == ErrorCode::conflict);
  CHECK(q->size() == 1);
  CHECK_FALSE(q->erase(2));
  CHECK(q->erase(1));
  CHECK(q->size() == 0);
}
