// The ETA: service-time averages and the start/finish model, with
// expectations worked out by hand.
#include "core/qdisc/eta.hpp"
#include "core/qdisc/service_times.hpp"

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

// A job of mean `own` with jobs_ahead ahead of it, each taking `ahead` ms,
// on `workers` slots of which those in running_left are busy for that long.
EtaInput input(double jobs_ahead, std::uint32_t workers, std::vector<double> running_left = {},
               double ahead = 200, double own = 100) {
  EtaInput in;
  in.now = 10'000;
  in.turn = Turn{jobs_ahead, static_cast<std::uint64_t>(jobs_ahead), 0};
  in.workers = workers;
  in.running_left_ms = std::move(running_left);
  in.ahead_mean_ms = ahead;
  in.own_mean_ms = own;
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

TEST_CASE("a job with a free worker starts now and finishes after its own mean", "[eta]") {
  // 4 slots, 1 busy: 3 free slots take jobs_ahead 0, 1, 2 at once.
  CHECK(estimate_eta(input(2, 4, {500})) == Eta{10'000, 10'100});
}

TEST_CASE("a job behind busy workers waits for the jobs ahead to drain", "[eta]") {
  // 2 slots busy for 150 ms more, 3 ahead of 200 ms: starts at 150, 150,
  // 350, 350: the 4th (the job's own) at 350.
  CHECK(estimate_eta(input(3, 2, {150, 150})) == Eta{10'350, 10'450});
  // 1 slot free, 1 busy for 200 ms: starts at 0, 200, 200, 400.
  CHECK(estimate_eta(input(3, 2, {200})) == Eta{10'400, 10'500});
}

TEST_CASE("eight 30 s jobs on two slots: the ninth waits for what the running two have left",
          "[eta]") {
  // The running two have run 10 s of 30: they end in 20 s, then three
  // rounds of 30 s go before the ninth starts.
  EtaInput in = input(6, 2, {20'000, 20'000}, 30'000, 30'000);
  CHECK(estimate_eta(in) == Eta{10'000 + 110'000, 10'000 + 140'000});
}

TEST_CASE("the start is exact for the slot model however many jobs are ahead", "[eta]") {
  CHECK(start_after_ms({}, 3, 0, 100) == 0);
  CHECK(start_after_ms({}, 3, 3, 100) == Approx(100).margin(0.5));
  CHECK(start_after_ms({50, 70}, 2, 1, 100) == Approx(70).margin(0.5));
  CHECK(start_after_ms({50, 70}, 2, 2, 100) == Approx(150).margin(0.5));
  // A million ahead on 10 slots of 1 s: 100,000 rounds.
  CHECK(start_after_ms({}, 10, 1'000'000, 1000) == Approx(100'000'000).margin(0.5));
  // More running jobs than slots: the soonest to end free the slots.
  CHECK(start_after_ms({900, 10, 20}, 2, 1, 100) == Approx(20).margin(0.5));
}

TEST_CASE("a shaped class starts no sooner than its rate allows", "[eta]") {
  EtaInput in = input(4, 10, {}, 10, 10);
  in.turn.shaped_rate = 2;  // 4 ahead in its class at 2/s: 2000 ms
  CHECK(estimate_eta(in) == Eta{12'000, 12'010});
}

TEST_CASE("a scheduled job starts no sooner than its run_at", "[eta]") {
  EtaInput in = input(0, 1, {}, 10, 10);
  in.not_before = 50'000;
  CHECK(estimate_eta(in) == Eta{50'000, 50'010});
}

TEST_CASE("no ETA without a slot serving the queue", "[eta]") {
  CHECK_FALSE(estimate_eta(input(0, 0)));
}

TEST_CASE("shell jobs keep service times per command, and the keys are bounded", "[eta]") {
  Job echo;
  echo.kind = JobKind::shell;
  echo.job_class = "shell";
  echo.payload = "echo hi";
  Job sleep = echo;
  sleep.payload = "sleep 30";
  CHECK(service_key(echo) != service_key(sleep));
  CHECK(service_key(echo).rfind("shell:", 0) == 0);
  Job ruby;
  ruby.kind = JobKind::ruby;
  ruby.job_class = "Mailer";
  CHECK(service_key(ruby) == "Mailer");

  ServiceTimes t;
  t.record("kept", 10);
  t.record("kept", 10);
  for (std::size_t i = 0; i < ServiceTimes::kMaxKeys + 10; ++i) t.record(std::to_string(i), 5);
  CHECK(t.by_class.size() == ServiceTimes::kMaxKeys);
  CHECK(t.own_mean_ms("kept") == 10);
  CHECK(t.own_mean_ms(std::to_string(ServiceTimes::kMaxKeys + 9)) == 5);
  CHECK_FALSE(t.own_mean_ms("never"));
}

TEST_CASE("the ETA follows the discipline's turn: fifo rank and sfq fair share", "[eta]") {
  auto fifo = make(qconfig(QdiscKind::fifo));
  for (JobId id = 1; id <= 5; ++id) REQUIRE(fifo->insert(qentry(id)).ok());
  EtaInput in = input(0, 2, {}, 100, 100);
  in.turn = *fifo->turn_of(4);  // 3 ahead, 2 free: starts at 0, 0, 100, 100
  CHECK(estimate_eta(in) == Eta{10'100, 10'200});

  auto sfq = make(qconfig(QdiscKind::sfq));
  for (JobId id = 1; id <= 10; ++id) REQUIRE(sfq->insert(qentry(id, "big")).ok());
  insert_all(*sfq, {qentry(11, "small"), qentry(12, "small")});
  // Job 12: 1 ahead in its flow, 2 of "big" in those two turns: 3 ahead,
  // so the 4th start, at 100. Job 10: 9 + 2 ahead: the 12th start, at 500.
  in.turn = *sfq->turn_of(12);
  CHECK(estimate_eta(in) == Eta{10'100, 10'200});
  in.turn = *sfq->turn_of(10);
  CHECK(estimate_eta(in) == Eta{10'500, 10'600});
}
