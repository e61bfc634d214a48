// Lease planning: which ready job goes to which worker.
#include "core/state/lease_planner.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

WorkerCredit worker(std::string name, std::uint32_t free, std::vector<std::string> queues = {"*"}) {
  WorkerCredit w;
  w.node = "node-" + name;
  w.worker = std::move(name);
  w.free = free;
  w.queues = std::move(queues);
  return w;
}

std::vector<std::string> assigned_workers(const std::vector<LeaseGrant>& grants) {
  std::vector<std::string> out;
  for (const LeaseGrant& g : grants) out.push_back(g.worker);
  return out;
}

std::vector<JobId> granted_ids(const std::vector<LeaseGrant>& grants) {
  std::vector<JobId> out;
  for (const LeaseGrant& g : grants) out.push_back(g.id);
  return out;
}

void fill(Log& log, const std::string& queue, JobId first, JobId last) {
  EnqueueOp op;
  for (JobId id = first; id <= last; ++id) op.jobs.push_back(make_job(id, queue));
  log.step(op);
}

}  // namespace

TEST_CASE("the planner gives the next job to the worker with the most free slots",
          "[state][planner]") {
  Log log;
  fill(log, "q", 1, 10);
  std::vector<WorkerCredit> workers{worker("a", 1), worker("b", 3)};
  auto grants = plan_leases(log.state, workers, {}, log.now, 100);
  CHECK(granted_ids(grants) == std::vector<JobId>{1, 2, 3, 4});
  // b has 3, then 2; at 1 each a, granted none yet, wins; then b's last slot.
  CHECK(assigned_workers(grants) == std::vector<std::string>{"b", "b", "a", "b"});
  CHECK(grants[0].node == "node-b");
  CHECK(workers[0].free == 0);
  CHECK(workers[1].free == 0);
}

TEST_CASE("jobs arriving one at a time take turns over idle workers with equal free slots",
          "[state][planner]") {
  Log log;
  LeaseFairness fairness;
  std::vector<std::string> order;
  for (JobId id = 1; id <= 6; ++id) {
    fill(log, "q", id, id);
    // Every worker is idle again when the next job arrives.
    std::vector<WorkerCredit> workers{worker("a", 2), worker("b", 2), worker("c", 2)};
    auto grants = plan_leases(log.state, workers, {}, log.now, 100, fairness);
    REQUIRE(grants.size() == 1);
    order.push_back(grants[0].worker);
    REQUIRE(log.step(LeaseOp{grants}).statuses[0].ok());
  }
  CHECK(order == std::vector<std::string>{"a", "b", "c", "a", "b", "c"});
}

TEST_CASE("a worker gets only jobs of the queues it serves", "[state][planner]") {
  Log log;
  fill(log, "mail", 1, 3);
  fill(log, "video", 4, 6);
  std::vector<WorkerCredit> workers{worker("m", 5, {"mail"}), worker("v", 1, {"video", "x"})};
  auto grants = plan_leases(log.state, workers, {}, log.now, 100);
  REQUIRE(grants.size() == 4);
  for (const LeaseGrant& g : grants) {
    const Job* job = log.state.find(g.id);
    CHECK(job->queue == (g.worker == "m" ? "mail" : "video"));
  }
  CHECK(workers[0].free == 2);
  CHECK(workers[1].free == 0);
}

TEST_CASE("ready queues take turns within one plan", "[state][planner]") {
  Log log;
  fill(log, "a", 1, 5);
  fill(log, "b", 11, 15);
  fill(log, "c", 21, 21);
  std::vector<WorkerCredit> workers{worker("w", 6)};
  auto grants = plan_leases(log.state, workers, {}, log.now, 100);
  CHECK(granted_ids(grants) == std::vector<JobId>{1, 11, 21, 2, 12, 3});
}

TEST_CASE("a busy queue does not starve another when slots free up one at a time",
          "[state][planner]") {
  Log log;
  fill(log, "a", 1, 20);
  fill(log, "b", 101, 120);
  std::vector<JobId> order;
  for (int round = 0; round < 6; ++round) {
    std::vector<WorkerCredit> workers{worker("w", 1)};
    auto grants = plan_leases(log.state, workers, {}, log.now, 100);
    REQUIRE(grants.size() == 1);
    order.push_back(grants[0].id);
    REQUIRE(log.step(LeaseOp{grants}).statuses[0].ok());
  }
  CHECK(order == std::vector<JobId>{1, 101, 2, 102, 3, 103});
}

TEST_CASE("the planner follows dispatch order and skips reserved jobs", "[state][planner]") {
  Log log;
  log.step(EnqueueOp{{make_job(1), make_job(2, "default", 5), make_job(3), make_job(4)}});
  std::vector<WorkerCredit> workers{worker("w", 3)};
  auto grants = plan_leases(log.state, workers, {2, 3}, log.now, 100);
  CHECK(granted_ids(grants) == std::vector<JobId>{1, 4});
  CHECK(workers[0].free == 1);
}

TEST_CASE("a grant carries the next attempt and an expiry from the job's timeout",
          "[state][planner]") {
  Log log;
  Job timed = make_job(1);
  timed.timeout_ms = 30'000;
  log.step(EnqueueOp{{timed, make_job(2)}});
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.one(ReleaseOp{{1}, true, "worker lost"}).ok());  // attempt 1 counted
  std::vector<WorkerCredit> workers{worker("w", 2)};
  workers[0].timeout_grace_ms = 500;
  auto grants = plan_leases(log.state, workers, {}, log.now, 100);
  REQUIRE(grants.size() == 2);
  CHECK(grants[0].id == 1);
  CHECK(grants[0].attempt == 2);
  CHECK(grants[0].expires_at == log.now + 30'500);
  CHECK(grants[1].attempt == 1);
  CHECK(grants[1].expires_at == 0);
  // The plan applies as it stands.
  ApplyResult r = log.step(LeaseOp{grants});
  CHECK(r.statuses[0].ok());
  CHECK(r.statuses[1].ok());
}

TEST_CASE("planning stops at max_grants and when no worker has room", "[state][planner]") {
  Log log;
  fill(log, "q", 1, 10);
  std::vector<WorkerCredit> workers{worker("a", 4), worker("b", 4)};
  CHECK(plan_leases(log.state, workers, {}, log.now, 3).size() == 3);
  CHECK(workers[0].free + workers[1].free == 5);
  CHECK(plan_leases(log.state, workers, {}, log.now, 0).empty());
  CHECK(plan_leases(log.state, workers, {}, log.now, 100).size() == 5);
  CHECK(plan_leases(log.state, workers, {}, log.now, 100).empty());
  std::vector<WorkerCredit> nobody;
  CHECK(plan_leases(log.state, nobody, {}, log.now, 100).empty());
}

TEST_CASE("the planner leaves paused queues alone", "[state][planner]") {
  Log log;
  fill(log, "a", 1, 2);
  fill(log, "b", 3, 4);
  QueueConfig paused;
  paused.paused = true;
  REQUIRE(log.one(QueueConfigureOp{"a", paused}).ok());
  std::vector<WorkerCredit> workers{worker("w", 10)};
  CHECK(granted_ids(plan_leases(log.state, workers, {}, log.now, 100)) == std::vector<JobId>{3, 4});
}

TEST_CASE("planning from a queue of many jobs reads only its front", "[state][planner]") {
  Log log;
  fill(log, "big", 1, 50'000);
  fill(log, "small", 300'001, 300'002);
  // Thousands of plans: each must cost about its grants, not the queue.
  std::unordered_set<JobId> reserved;
  for (int round = 0; round < 2000; ++round) {
    std::vector<WorkerCredit> workers{worker("w", 2, {"big"})};
    auto grants = plan_leases(log.state, workers, reserved, log.now, 2);
    REQUIRE(grants.size() == 2);
    for (const LeaseGrant& g : grants) reserved.insert(g.id);
    if (reserved.size() > 64) {  // the lease ops land; reservations end
      LeaseOp op;
      for (JobId id : reserved) op.grants.push_back({id, 1, "n", "w", 0});
      log.step(op);
      reserved.clear();
    }
  }
  CHECK(log.state.counts().by_state[static_cast<std::size_t>(JobState::running)] +
            reserved.size() ==
        4000);
}

TEST_CASE("a worker gets only jobs of the kinds it runs", "[state][planner]") {
  Log log;
  EnqueueOp op;
  op.jobs.push_back(make_job(1, "q"));
  op.jobs.push_back(make_job(2, "q"));
  op.jobs.back().kind = JobKind::task;
  op.jobs.push_back(make_job(3, "q"));
  log.step(op);
  WorkerCredit shell = worker("shell", 5);
  shell.kinds = {JobKind::shell};
  WorkerCredit external = worker("external", 1);
  external.kinds = {JobKind::task};
  std::vector<WorkerCredit> workers{shell, external};
  auto grants = plan_leases(log.state, workers, {}, log.now, 100);
  REQUIRE(grants.size() == 3);
  CHECK(granted_ids(grants) == std::vector<JobId>{1, 2, 3});
  CHECK(assigned_workers(grants) == std::vector<std::string>{"shell", "external", "shell"});

  // With no worker for its kind, a job waits and the jobs behind it go on.
  std::vector<WorkerCredit> only_shell{shell};
  auto later = plan_leases(log.state, only_shell, {}, log.now, 100);
  CHECK(granted_ids(later) == std::vector<JobId>{1, 3});
}
