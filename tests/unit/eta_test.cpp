// The ETA: service-time averages and the start/finish model, with
// expectations worked out by hand.
#include "core/qdisc/eta.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/qdisc_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

ServiceTimes times_with(std::initializer_list<std::pair<std::string, TimeMs>> samples) {
  ServiceTimes t;
  for (const auto& [job_class, ms] : samples) t.record(job_class, ms);
  return t;
}

EtaInput input(double jobs_ahead, std::uint32_t workers, std::uint32_t running,
               std::string_view job_class = "A") {
  EtaInput in;
  in.now = 10'000;
  in.turn = Turn{jobs_ahead, static_cast<std::uint64_t>(jobs_ahead), 0};
  in.workers = workers;
  in.running = running;
  in.job_class = job_class;
  return in;
}

}  // namespace

TEST_CASE("the service-time average is plain over the first eight samples, then weighs each 1/8",
          "[eta]") {
  ServiceAverage a;
  a.record(100);
  CHECK(a.mean_us == 100'000);
  a.record(200);  // (100 + 200) / 2
  CHECK(a.mean_us == 150'000);
  a.record(450);  // 150 + (450 - 150) / 3
  CHECK(a.mean_us == 250'000);
  for (int i = 0; i < 5; ++i) a.record(250);
  CHECK(a.samples == 8);
  CHECK(a.mean_us == 250'000);
  a.record(1050);  // 250 + (1050 - 250) / 8
  CHECK(a.mean_us == 350'000);
  a.record(-5);  // counts as 0: 350 - 350 / 8
  CHECK(a.mean_us == 306'250);
}

TEST_CASE("service times fall back from the class to all classes", "[eta]") {
  ServiceTimes t = times_with({{"A", 100}, {"B", 300}});
  CHECK(t.mean_ms("A") == 100);
  CHECK(t.mean_ms("B") == 300);
  CHECK(t.mean_ms("C") == 200);
  CHECK(t.mean_ms() == 200);
  CHECK_FALSE(ServiceTimes{}.mean_ms("A"));
}

TEST_CASE("a job with a free worker starts now and finishes after its class's mean", "[eta]") {
  ServiceTimes t = times_with({{"A", 100}, {"B", 300}});  // mean of all 200
  // 4 workers, 1 running: 3 free slots take jobs_ahead 0, 1, 2 at once.
  CHECK(estimate_eta(input(2, 4, 1), t) == Eta{10'000, 10'100});
}

TEST_CASE("a job behind busy workers waits for the jobs ahead to drain", "[eta]") {
  ServiceTimes t = times_with({{"A", 100}, {"B", 300}});  // mean of all 200
  // 2 workers, both busy, 3 ahead: 4 jobs (3 + the running ones' slots
  // freeing) drain at 2 per 200 ms: (3 - 0 + 1) * 200 / 2 = 400 ms.
  CHECK(estimate_eta(input(3, 2, 2), t) == Eta{10'400, 10'500});
  // 2 workers, 1 free, 3 ahead: (3 - 1 + 1) * 200 / 2 = 300 ms; class B's mean is 300.
  CHECK(estimate_eta(input(3, 2, 1, "B"), t) == Eta{10'300, 10'600});
}

TEST_CASE("a shaped class starts no sooner than its rate allows", "[eta]") {
  ServiceTimes t = times_with({{"A", 10}});
  EtaInput in = input(4, 10, 0);
  in.turn.shaped_rate = 2;  // 4 ahead in its class at 2/s: 2000 ms
  CHECK(estimate_eta(in, t) == Eta{12'000, 12'010});
}

TEST_CASE("a scheduled job starts no sooner than its run_at", "[eta]") {
  ServiceTimes t = times_with({{"A", 10}});
  EtaInput in = input(0, 1, 0);
  in.not_before = 50'000;
  CHECK(estimate_eta(in, t) == Eta{50'000, 50'010});
}

TEST_CASE("no ETA without workers or without a finished job to measure", "[eta]") {
  CHECK_FALSE(estimate_eta(input(0, 0, 0), times_with({{"A", 10}})));
  CHECK_FALSE(estimate_eta(input(0, 1, 0), ServiceTimes{}));
}

TEST_CASE("the ETA follows the discipline's turn: fifo rank and sfq fair share", "[eta]") {
  ServiceTimes t = times_with({{"A", 100}});
  auto fifo = make(qconfig(QdiscKind::fifo));
  for (JobId id = 1; id <= 5; ++id) REQUIRE(fifo->insert(qentry(id)).ok());
  EtaInput in = input(0, 2, 0);
  in.turn = *fifo->turn_of(4);  // 3 ahead, 2 free: (3 - 2 + 1) * 100 / 2 = 100
  CHECK(estimate_eta(in, t) == Eta{10'100, 10'200});

  auto sfq = make(qconfig(QdiscKind::sfq));
  for (JobId id = 1; id <= 10; ++id) REQUIRE(sfq->insert(qentry(id, "big")).ok());
  insert_all(*sfq, {qentry(11, "small"), qentry(12, "small")});
  // Job 12: 1 ahead in its flow, 2 of "big" in those two turns: 3 ahead;
  // (3 - 2 + 1) * 100 / 2 = 100. Job 10: 9 + 2 ahead: (11 - 2 + 1) * 50 = 500.
  in.turn = *sfq->turn_of(12);
  CHECK(estimate_eta(in, t) == Eta{10'100, 10'200});
  in.turn = *sfq->turn_of(10);
  CHECK(estimate_eta(in, t) == Eta{10'500, 10'600});
}
