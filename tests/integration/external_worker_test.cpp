// Any process can be a worker: it registers over the client protocol, gets
// leases pushed, reports; one that goes away loses its leases.
#include <atomic>
#include <thread>

#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;

namespace {
protocol::JobSpec task_job(std::string payload, std::string queue = "ext") {
  protocol::JobSpec spec;
  spec.queue = std::move(queue);
  spec.kind = JobKind::task;
  spec.job_class = "Echo";
  spec.payload = std::move(payload);
  return spec;
}

std::unique_ptr<Worker> connect_worker(const RunningNode& n, std::uint32_t slots) {
  WorkerOptions options;
  options.endpoint = n.node.endpoint();
  options.name = "test-worker";
  options.queues = {"ext"};
  options.kinds = {JobKind::task};
  options.slots = slots;
  auto worker = Worker::connect(options);
  INFO(worker.status().message);
  REQUIRE(worker.ok());
  return std::move(*worker);
}
}  // namespace

TEST_CASE("an external worker gets task jobs pushed and its reports finish them",
          "[integration][worker]") {
  RunningNode n;
  auto worker = connect_worker(n, 2);
  std::atomic<bool> stop{false};
  std::thread runner([&] {
    (void)worker->run(
        [](const Lease& lease) {
          WorkOutcome out;
          if (lease.job.payload == "fail") {
            out.outcome = Outcome::failed;
            out.error = "asked to fail";
          } else {
            out.output = "echo: " + lease.job.payload;
          }
          return out;
        },
        [&] { return !stop.load(); });
  });
  auto ok = n.client->submit_and_wait({task_job("hi")}, std::chrono::seconds(30));
  auto spec = task_job("fail");
  spec.retry.max_attempts = 1;
  auto failed = n.client->submit_and_wait({spec}, std::chrono::seconds(30));
  stop = true;
  runner.join();
  REQUIRE(ok.ok());
  REQUIRE(ok->jobs[0]);
  CHECK(ok->jobs[0]->state == JobState::succeeded);
  CHECK(ok->jobs[0]->output_tail == "echo: hi");
  CHECK(ok->jobs[0]->worker.rfind("test-worker#", 0) == 0);
  REQUIRE(failed.ok());
  REQUIRE(failed->jobs[0]);
  CHECK(failed->jobs[0]->state == JobState::dead);
  CHECK(failed->jobs[0]->last_error == "asked to fail");
}

TEST_CASE("the node's shell pool leaves task jobs to external workers", "[integration][worker]") {
  RunningNode n;
  auto id = n.client->enqueue(task_job("x"));
  REQUIRE(id.ok());
  auto waited = n.client->wait({*id}, std::chrono::milliseconds(300));
  REQUIRE(waited.ok());
  REQUIRE((*waited)[0]);
  CHECK((*waited)[0]->state == JobState::queued);
}

TEST_CASE("a worker that goes silent loses its leases and the jobs run elsewhere",
          "[integration][worker]") {
  RunningNode n;
  auto id = n.client->enqueue(task_job("lost"));
  REQUIRE(id.ok());
  {
    auto silent = connect_worker(n, 1);
    auto lease = silent->next(std::chrono::seconds(10));
    REQUIRE(lease.ok());
    REQUIRE(*lease);
    CHECK((*lease)->job.id == *id);
    // Destroyed without a report: its connection closes and heartbeats stop.
  }
  auto second = connect_worker(n, 1);
  auto lease = second->next(std::chrono::seconds(20));
  REQUIRE(lease.ok());
  REQUIRE(*lease);
  CHECK((*lease)->job.id == *id);
  CHECK((*lease)->job.attempts == 2);  // the lost attempt counts
  REQUIRE(second->report(**lease, WorkOutcome{}).ok());
  CHECK(n.wait_final(*id).state == JobState::succeeded);
  CHECK(n.node.log().find("lost (silent for") != std::string::npos);
}
