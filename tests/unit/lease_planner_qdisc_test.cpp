// The lease planner with both halves at once: each queue's discipline
// orders its jobs, while worker assignment (pool weights, pins, pauses)
// decides who may take them.
#include <catch2/catch.hpp>

#include "core/state/lease_planner.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

QdiscConfig sfq() {
  QdiscConfig c;
  c.kind = QdiscKind::sfq;
  c.quantum = 1;
  return c;
}

Status set_qdisc(Log& log, const std::string& queue, const QdiscConfig& qdisc) {
  QueueConfig config;
  if (auto info = log.state.queue(queue)) config = info->config;
  config.qdisc = qdisc;
  return log.one(QueueConfigureOp{queue, config});
}

WorkerCredit shell_worker(std::string node, std::uint32_t free) {
  WorkerCredit w;
  w.node = std::move(node);
  w.worker = "w-" + w.node;
  w.pool = "shell";
  w.free = free;
  return w;
}

Job flow_job(JobId id, const std::string& queue, const std::string& flow) {
  Job job = make_job(id, queue);
  job.flow = flow;
  return job;
}

std::vector<JobId> granted_ids(const std::vector<LeaseGrant>& grants) {
  std::vector<JobId> out;
  for (const LeaseGrant& g : grants) out.push_back(g.id);
  return out;
}

}  // namespace

TEST_CASE("under sfq the planner alternates flows and skips pinned jobs without charging them",
          "[state][planner][qdisc][assign]") {
  Log log;
  REQUIRE(set_qdisc(log, "q", sfq()).ok());
  EnqueueOp op;
  // Flow A: five jobs, the first two pinned to a node nobody runs here.
  for (JobId id = 1; id <= 5; ++id) {
    op.jobs.push_back(flow_job(id, "q", "A"));
    if (id <= 2) op.jobs.back().pin_node = "elsewhere";
  }
  for (JobId id = 11; id <= 13; ++id) op.jobs.push_back(flow_job(id, "q", "B"));
  log.step(op);

  std::vector<WorkerCredit> workers{shell_worker("n1", 4)};
  std::vector<LeaseGrant> grants = plan_leases(log.state, workers, {}, log.now, 4);
  // The pinned jobs are passed over and A is not charged for them: A's
  // first runnable job (3) goes in A's turn, then B, A, B.
  CHECK(granted_ids(grants) == std::vector<JobId>{3, 11, 4, 12});
  for (const LeaseGrant& g : grants) CHECK(g.worker == "w-n1");

  // On the node they are pinned to, they go first in their flow's turns.
  std::vector<WorkerCredit> there{shell_worker("elsewhere", 4)};
  CHECK(granted_ids(plan_leases(log.state, there, {}, log.now, 4)) ==
        std::vector<JobId>{1, 11, 2, 12});
}

TEST_CASE("pool weights share slots between queues while each keeps its discipline's order",
          "[state][planner][qdisc][assign]") {
  Log log;
  REQUIRE(set_qdisc(log, "fair", sfq()).ok());
  EnqueueOp op;
  for (JobId id = 1; id <= 6; ++id) op.jobs.push_back(flow_job(id, "fair", "big"));
  op.jobs.push_back(flow_job(7, "fair", "small"));
  for (JobId id = 21; id <= 26; ++id) op.jobs.push_back(make_job(id, "plain"));
  log.step(op);
  REQUIRE(log.one(PoolAttachOp{"shell", "fair", 2, ""}).ok());
  REQUIRE(log.one(PoolAttachOp{"shell", "plain", 1, ""}).ok());

  std::vector<WorkerCredit> workers{shell_worker("n1", 6)};
  std::vector<LeaseGrant> grants = plan_leases(log.state, workers, {}, log.now, 6);
  std::vector<JobId> fair;
  std::vector<JobId> plain;
  for (JobId id : granted_ids(grants)) (id < 20 ? fair : plain).push_back(id);
  // Weight 2 against 1: four and two of six slots.
  CHECK(fair.size() == 4);
  CHECK(plain.size() == 2);
  // sfq: the small flow's one job comes second, not after the big flow's.
  CHECK(fair == std::vector<JobId>{1, 7, 2, 3});
  CHECK(plain == std::vector<JobId>{21, 22});
}

TEST_CASE("a paused pool leases nothing whatever the discipline",
          "[state][planner][qdisc][assign]") {
  Log log;
  REQUIRE(set_qdisc(log, "q", sfq()).ok());
  log.step(EnqueueOp{{flow_job(1, "q", "A"), flow_job(2, "q", "B")}});
  REQUIRE(log.one(PoolPauseOp{"shell", "n1", true}).ok());
  std::vector<WorkerCredit> workers{shell_worker("n1", 4)};
  CHECK(plan_leases(log.state, workers, {}, log.now, 4).empty());
}
