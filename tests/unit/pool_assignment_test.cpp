// Worker assignment: the ops that attach queues to pools, pause pools,
// drain nodes and pin jobs, and how the lease planner follows them.
#include "core/state/pool_assignment.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "core/state/lease_planner.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

WorkerCredit pool_worker(std::string name, std::string node, std::string pool, std::uint32_t free) {
  WorkerCredit w;
  w.node = std::move(node);
  w.worker = std::move(name);
  w.pool = std::move(pool);
  w.free = free;
  w.queues = {"*"};  // what it registered with; the state overrides it for pools
  return w;
}

void fill(Log& log, const std::string& queue, JobId first, JobId last) {
  EnqueueOp op;
  for (JobId id = first; id <= last; ++id) op.jobs.push_back(make_job(id, queue));
  log.step(op);
}

std::map<std::string, int> queues_of(const Log& log, const std::vector<LeaseGrant>& grants) {
  std::map<std::string, int> out;
  for (const LeaseGrant& g : grants) ++out[log.state.find(g.id)->queue];
  return out;
}

// Queue lists as (name, weight) pairs, which compare and print.
std::vector<std::pair<std::string, std::uint32_t>> pairs(const std::vector<PoolQueue>& queues) {
  std::vector<std::pair<std::string, std::uint32_t>> out;
  for (const PoolQueue& q : queues) out.emplace_back(q.name, q.weight);
  return out;
}
using Pairs = std::vector<std::pair<std::string, std::uint32_t>>;

PoolSpec ruby_pool(std::string name, std::vector<PoolQueue> queues = {}) {
  PoolSpec spec;
  spec.name = std::move(name);
  spec.dir = "/srv/app";
  spec.require_files = {"app.rb"};
  spec.queues = std::move(queues);
  return spec;
}

}  // namespace

TEST_CASE("the shell pool serves every queue until something is attached to it",
          "[state][assign]") {
  Log log;
  fill(log, "q", 1, 2);
  fill(log, "other", 11, 12);
  CHECK(pairs(*log.state.pool_queues("shell", "n1")) == Pairs{{"*", 1}});

  REQUIRE(log.one(PoolAttachOp{"shell", "q", 1, ""}).ok());
  std::vector<WorkerCredit> workers{pool_worker("s", "n1", "shell", 10)};
  auto grants = plan_leases(log.state, workers, {}, log.now, 100);
  CHECK(queues_of(log, grants) == std::map<std::string, int>{{"q", 2}});

  // Detaching the last queue brings the default back: the other queue runs.
  REQUIRE(log.one(PoolDetachOp{"shell", "q", ""}).ok());
  std::vector<WorkerCredit> again{pool_worker("s", "n1", "shell", 10)};
  CHECK(queues_of(log, plan_leases(log.state, again, {}, log.now, 100)) ==
        std::map<std::string, int>{{"other", 2}, {"q", 2}});
}

TEST_CASE("a node's own attachments add to the cluster-wide ones on that node only",
          "[state][assign]") {
  Log log;
  REQUIRE(log.one(PoolAttachOp{"shell", "a", 1, ""}).ok());
  REQUIRE(log.one(PoolAttachOp{"shell", "b", 5, "n2"}).ok());
  REQUIRE(log.one(PoolAttachOp{"shell", "a", 3, "n2"}).ok());
  CHECK(pairs(*log.state.pool_queues("shell", "n1")) == Pairs{{"a", 1}});
  CHECK(pairs(*log.state.pool_queues("shell", "n2")) == Pairs{{"a", 3}, {"b", 5}});
}

TEST_CASE("assignment ops refuse unknown pools, bad weights and absent queues", "[state][assign]") {
  Log log;
  CHECK(log.one(PoolAttachOp{"nope", "q", 1, ""}).code == ErrorCode::not_found);
  CHECK(log.one(PoolAttachOp{"shell", "q", 0, ""}).code == ErrorCode::bad_request);
  CHECK(log.one(PoolAttachOp{"shell", "bad name", 1, ""}).code == ErrorCode::bad_request);
  CHECK(log.one(PoolDetachOp{"shell", "q", ""}).code == ErrorCode::not_found);
  CHECK(log.one(PoolPauseOp{"nope", "", true}).code == ErrorCode::not_found);
  CHECK(log.one(NodeDrainOp{"", true}).code == ErrorCode::bad_request);
  CHECK(log.state.assignments().empty());
}

TEST_CASE(
    "a Ruby pool serves its declared queues until queues are attached, and forgets "
    "them when removed",
    "[state][assign]") {
  Log log;
  REQUIRE(log.one(PoolDeclareOp{ruby_pool("app", {{"mail", 2}})}).ok());
  CHECK(pairs(*log.state.pool_queues("app", "n1")) == Pairs{{"mail", 2}});
  REQUIRE(log.one(PoolAttachOp{"app", "video", 1, ""}).ok());
  REQUIRE(log.one(PoolPauseOp{"app", "n1", true}).ok());
  CHECK(pairs(*log.state.pool_queues("app", "n1")) == Pairs{{"video", 1}});
  REQUIRE(log.one(PoolRemoveOp{"app"}).ok());
  CHECK(log.state.assignments().empty());
  CHECK_FALSE(log.state.pool_queues("app", "n1").has_value());
}

TEST_CASE("a worker serving weighted queues gets jobs in proportion to the weights",
          "[state][planner][assign]") {
  Log log;
  fill(log, "a", 1, 1000);
  fill(log, "b", 2001, 3000);
  REQUIRE(log.one(PoolAttachOp{"shell", "a", 3, ""}).ok());
  REQUIRE(log.one(PoolAttachOp{"shell", "b", 1, ""}).ok());

  SECTION("within one plan") {
    std::vector<WorkerCredit> workers{pool_worker("s", "n1", "shell", 40)};
    auto counts = queues_of(log, plan_leases(log.state, workers, {}, log.now, 100));
    CHECK(counts["a"] >= 29);
    CHECK(counts["a"] <= 31);
    CHECK(counts["a"] + counts["b"] == 40);
  }
  SECTION("across plans of one slot each, as slots free up") {
    LeaseFairness fairness;
    std::map<std::string, int> counts;
    for (int round = 0; round < 400; ++round) {
      std::vector<WorkerCredit> workers{pool_worker("s", "n1", "shell", 1)};
      auto grants = plan_leases(log.state, workers, {}, log.now, 100, fairness);
      REQUIRE(grants.size() == 1);
      ++counts[log.state.find(grants[0].id)->queue];
      REQUIRE(log.step(LeaseOp{grants}).statuses[0].ok());
    }
    CHECK(counts["a"] >= 299);
    CHECK(counts["a"] <= 301);
    CHECK(counts["a"] + counts["b"] == 400);
  }
}

TEST_CASE("a queue that was idle rejoins the turns without a burst", "[state][planner][assign]") {
  Log log;
  fill(log, "a", 1, 100);
  LeaseFairness fairness;
  for (int round = 0; round < 50; ++round) {
    std::vector<WorkerCredit> workers{pool_worker("s", "n1", "shell", 1)};
    auto grants = plan_leases(log.state, workers, {}, log.now, 100, fairness);
    REQUIRE(grants.size() == 1);
    log.step(LeaseOp{grants});
  }
  fill(log, "b", 1001, 1100);
  std::vector<WorkerCredit> workers{pool_worker("s", "n1", "shell", 10)};
  auto counts = queues_of(log, plan_leases(log.state, workers, {}, log.now, 100, fairness));
  // Equal weights: b takes turns with a rather than catching up on 50 turns.
  CHECK(counts["b"] >= 4);
  CHECK(counts["b"] <= 6);
  CHECK(counts["a"] + counts["b"] == 10);
}

TEST_CASE("a paused pool gets no leases while other workers go on", "[state][planner][assign]") {
  Log log;
  fill(log, "q", 1, 4);
  REQUIRE(log.one(PoolPauseOp{"shell", "", true}).ok());
  std::vector<WorkerCredit> workers{pool_worker("s", "n1", "shell", 10),
                                    pool_worker("ext", "n1", "", 1)};
  auto grants = plan_leases(log.state, workers, {}, log.now, 100);
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].worker == "ext");

  SECTION("resumed everywhere") {
    REQUIRE(log.one(PoolPauseOp{"shell", "", false}).ok());
    std::vector<WorkerCredit> again{pool_worker("s", "n1", "shell", 10)};
    CHECK(plan_leases(log.state, again, {}, log.now, 100).size() == 4);
  }
  SECTION("paused on one node only") {
    REQUIRE(log.one(PoolPauseOp{"shell", "", false}).ok());
    REQUIRE(log.one(PoolPauseOp{"shell", "n1", true}).ok());
    std::vector<WorkerCredit> two{pool_worker("s1", "n1", "shell", 10),
                                  pool_worker("s2", "n2", "shell", 10)};
    auto split = plan_leases(log.state, two, {}, log.now, 100);
    REQUIRE(split.size() == 4);
    for (const LeaseGrant& g : split) CHECK(g.node == "n2");
  }
}

TEST_CASE("a draining node's workers get no leases, undrained they do",
          "[state][planner][assign]") {
  Log log;
  fill(log, "q", 1, 4);
  REQUIRE(log.one(NodeDrainOp{"n1", true}).ok());
  CHECK(log.state.assignments().node_draining("n1"));
  std::vector<WorkerCredit> workers{pool_worker("s1", "n1", "shell", 10),
                                    pool_worker("ext", "n1", "", 10),
                                    pool_worker("s2", "n2", "shell", 1)};
  auto grants = plan_leases(log.state, workers, {}, log.now, 100);
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].node == "n2");

  REQUIRE(log.one(NodeDrainOp{"n1", false}).ok());
  std::vector<WorkerCredit> again{pool_worker("s1", "n1", "shell", 10)};
  CHECK(plan_leases(log.state, again, {}, log.now, 100).size() == 4);
}

TEST_CASE("a pinned job goes only to a worker of its node and pool", "[state][planner][assign]") {
  Log log;
  REQUIRE(log.one(PoolDeclareOp{ruby_pool("app")}).ok());
  EnqueueOp op;
  op.jobs = {make_job(1, "q"), make_job(2, "q"), make_job(3, "q")};
  op.jobs[0].pin_node = "n2";
  op.jobs[1].pin_pool = "app";
  log.step(op);
  std::vector<WorkerCredit> workers{pool_worker("s1", "n1", "shell", 10),
                                    pool_worker("s2", "n2", "shell", 1),
                                    pool_worker("r1", "n1", "app", 1)};
  auto grants = plan_leases(log.state, workers, {}, log.now, 100);
  REQUIRE(grants.size() == 3);
  std::map<JobId, std::string> to;
  for (const LeaseGrant& g : grants) to[g.id] = g.worker;
  CHECK(to[1] == "s2");
  CHECK(to[2] == "r1");
  CHECK(to[3] == "s1");
}

TEST_CASE("a job pinned to a node that does not exist waits, and runs once unpinned",
          "[state][planner][assign]") {
  Log log;
  fill(log, "q", 1, 1);
  REQUIRE(log.one(PinOp{{1}, "ghost", ""}).ok());
  CHECK(log.state.find(1)->pin_node == "ghost");
  std::vector<WorkerCredit> workers{pool_worker("s", "n1", "shell", 10)};
  CHECK(plan_leases(log.state, workers, {}, log.now, 100).empty());

  REQUIRE(log.one(PinOp{{1}, "", ""}).ok());
  CHECK(log.state.find(1)->pin_node.empty());
  CHECK(plan_leases(log.state, workers, {}, log.now, 100).size() == 1);
  CHECK(log.step(PinOp{{1, 99}, "n1", ""}).statuses.at(1).code == ErrorCode::not_found);
}

TEST_CASE("planning skips a bounded number of unmatched pinned jobs", "[state][planner][assign]") {
  Log log;
  EnqueueOp op;
  for (JobId id = 1; id <= 5000; ++id) {
    op.jobs.push_back(make_job(id, "q"));
    if (id != 500) op.jobs.back().pin_node = "ghost";
  }
  op.jobs.push_back(make_job(6000, "q"));
  log.step(op);
  fill(log, "near", 7001, 7001);
  std::vector<WorkerCredit> workers{pool_worker("s", "n1", "shell", 10)};
  auto grants = plan_leases(log.state, workers, {}, log.now, 100);
  // Job 500 lies within the first kMaxPinnedSkips; 6000 beyond, so it waits
  // this plan, and the other queue is not held up.
  std::vector<JobId> ids;
  for (const LeaseGrant& g : grants) ids.push_back(g.id);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<JobId>{500, 7001});
}

TEST_CASE("an external worker keeps the queues it registered with", "[state][planner][assign]") {
  Log log;
  fill(log, "q", 1, 1);
  fill(log, "other", 2, 2);
  REQUIRE(log.one(PoolAttachOp{"shell", "other", 1, ""}).ok());
  WorkerCredit ext = pool_worker("ext", "n1", "", 5);
  ext.queues = {"q"};
  std::vector<WorkerCredit> workers{ext};
  auto grants = plan_leases(log.state, workers, {}, log.now, 100);
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].id == 1);
}
