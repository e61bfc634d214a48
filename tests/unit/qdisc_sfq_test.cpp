// sfq: deficit round robin across flows.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "tests/unit/qdisc_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

TEST_CASE(
    "sfq serves a flow of ten jobs within the first twenty dispatches beside a flow of ten "
    "thousand",
    "[qdisc][sfq]") {
  auto q = make(qconfig(QdiscKind::sfq));
  JobId id = 0;
  for (int i = 0; i < 10'000; ++i) REQUIRE(q->insert(qentry(++id, "A")).ok());
  std::set<JobId> b_jobs;
  for (int i = 0; i < 10; ++i) {
    REQUIRE(q->insert(qentry(++id, "B")).ok());
    b_jobs.insert(id);
  }
  std::vector<JobId> first = drain(*q, 0, 20);
  for (JobId b : b_jobs) CHECK(std::count(first.begin(), first.end(), b) == 1);
}

TEST_CASE("sfq takes turns: one job per flow per turn with quantum 1, FIFO within a flow",
          "[qdisc][sfq]") {
  auto q = make(qconfig(QdiscKind::sfq));
  insert_all(*q, {qentry(1, "A"), qentry(2, "A"), qentry(3, "A"), qentry(4, "B"), qentry(5, "C"),
                  qentry(6, "B")});
  CHECK(q->plan(0, 10) == std::vector<JobId>{1, 4, 5, 2, 6, 3});
  CHECK(drain(*q, 0, 10) == std::vector<JobId>{1, 4, 5, 2, 6, 3});
}

TEST_CASE("sfq with quantum 2 gives each flow two jobs a turn", "[qdisc][sfq]") {
  QdiscConfig c = qconfig(QdiscKind::sfq);
  c.quantum = 2;
  auto q = make(c);
  insert_all(*q, {qentry(1, "A"), qentry(2, "A"), qentry(3, "A"), qentry(4, "B"), qentry(5, "B"),
                  qentry(6, "B")});
  CHECK(drain(*q, 0, 10) == std::vector<JobId>{1, 2, 4, 5, 3, 6});
}

TEST_CASE("a flow that appears joins the back of the round", "[qdisc][sfq]") {
  auto q = make(qconfig(QdiscKind::sfq));
  insert_all(*q, {qentry(1, "A"), qentry(2, "A"), qentry(3, "B"), qentry(4, "B")});
  CHECK(drain(*q, 0, 1) == std::vector<JobId>{1});  // A goes to the back, behind B
  REQUIRE(q->insert(qentry(5, "C")).ok());
  CHECK(q->plan(0, 10) == std::vector<JobId>{3, 2, 5, 4});
}

TEST_CASE("sfq puts a released job at the head of its own flow only", "[qdisc][sfq]") {
  auto q = make(qconfig(QdiscKind::sfq));
  insert_all(*q, {qentry(1, "A"), qentry(2, "B"), qentry(3, "B", 0, 0, 7)});
  CHECK(q->plan(0, 10) == std::vector<JobId>{1, 3, 2});
}

TEST_CASE("sfq estimates a job's turn from the flows' sizes", "[qdisc][sfq]") {
  auto q = make(qconfig(QdiscKind::sfq));
  for (JobId id = 1; id <= 10; ++id) REQUIRE(q->insert(qentry(id, "A")).ok());
  insert_all(*q, {qentry(11, "B"), qentry(12, "B"), qentry(13, "C")});
  // Job 12 is B's second: two turns, in which A takes 2 and C its 1.
  std::optional<Turn> t = q->turn_of(12);
  REQUIRE(t);
  CHECK(t->own_ahead == 1);
  CHECK(t->jobs_ahead == 1 + 2 + 1);
  // Job 10 is A's tenth: B and C are long done by then.
  CHECK(q->turn_of(10)->jobs_ahead == 9 + 2 + 1);
}
