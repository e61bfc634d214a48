// A standalone node runs shell jobs: output, exit status, retries with
// backoff into the failed set, scheduled jobs, timeouts, submit-and-wait.
#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;

TEST_CASE("a shell job runs and its output and exit status are kept", "[integration]") {
  RunningNode n;
  auto id = n.client->enqueue(shell_job("echo hello; echo oops >&2"));
  REQUIRE(id.ok());
  Job job = n.wait_final(*id);
  CHECK(job.state == JobState::succeeded);
  CHECK(job.exit_status == 0);
  CHECK(job.output_tail.find("hello") != std::string::npos);
  CHECK(job.output_tail.find("oops") != std::string::npos);
  CHECK(job.attempts == 1);
  REQUIRE(job.history.size() == 1);
}

TEST_CASE("submit-and-wait answers with the finished job without polling", "[integration]") {
  RunningNode n;
  auto result = n.client->submit_and_wait({shell_job("echo 42")}, std::chrono::seconds(30));
  REQUIRE(result.ok());
  REQUIRE(result->jobs.size() == 1);
  REQUIRE(result->jobs[0]);
  CHECK(result->jobs[0]->state == JobState::succeeded);
  CHECK(result->jobs[0]->output_tail == "42\n");
}

TEST_CASE("a failing job is retried with backoff and lands in the failed set", "[integration]") {
  RunningNode n;
  protocol::QueueCommand create;
  create.action = protocol::QueueAction::create;
  create.name = "flaky";
  QueueConfig config;
  config.retry.max_attempts = 3;
  config.retry.backoff_base_ms = 100;
  config.retry.backoff_max_ms = 200;
  create.config = config;
  REQUIRE(n.client->queue_command(create).ok());

  auto id = n.client->enqueue(shell_job("echo attempt; exit 3", "flaky"));
  REQUIRE(id.ok());
  Job job = n.wait_final(*id);
  CHECK(job.state == JobState::dead);
  CHECK(job.attempts == 3);
  CHECK(job.exit_status == 3);
  CHECK(job.last_error.find("exit status 3") != std::string::npos);
  REQUIRE(job.history.size() == 3);
  // Backoff: each retry waited at least the base delay after the failure.
  for (std::size_t i = 1; i < job.history.size(); ++i) {
    CHECK(job.history[i].started_at - job.history[i - 1].finished_at >= 100);
  }

  protocol::List dead;
  dead.state = JobState::dead;
  auto page = n.client->list(dead);
  REQUIRE(page.ok());
  REQUIRE(page->jobs.size() == 1);
  CHECK(page->jobs[0].id == *id);
  CHECK(page->jobs[0].queue == "flaky");

  // Retried from the failed set, it runs again with a fresh count.
  auto retried = n.client->retry({*id});
  REQUIRE(retried.ok());
  REQUIRE(retried->size() == 1);
  CHECK((*retried)[0].ok());
  Job again = n.wait_final(*id);
  CHECK(again.state == JobState::dead);
  CHECK(again.attempts == 3);

  auto deleted = n.client->remove({*id});
  REQUIRE(deleted.ok());
  CHECK((*deleted)[0].ok());
  CHECK(n.client->get(*id).status().code == ErrorCode::not_found);
}

TEST_CASE("a shell job sees its id and attempt in DESASTER_JOB_ID and DESASTER_JOB_ATTEMPT",
          "[integration]") {
  RunningNode n;
  protocol::QueueCommand create;
  create.action = protocol::QueueAction::create;
  create.name = "twice";
  QueueConfig config;
  config.retry.max_attempts = 2;
  config.retry.backoff_base_ms = 10;
  config.retry.backoff_max_ms = 10;
  create.config = config;
  REQUIRE(n.client->queue_command(create).ok());

  auto id = n.client->enqueue(
      shell_job("echo \"$DESASTER_JOB_ID $DESASTER_JOB_ATTEMPT\"; exit 1", "twice"));
  REQUIRE(id.ok());
  Job job = n.wait_final(*id);
  REQUIRE(job.attempts == 2);
  // The tail is the last run's: the second attempt of this job.
  CHECK(job.output_tail == std::to_string(*id) + " 2\n");
}

TEST_CASE("a job with a per-job max of one attempt goes dead at once", "[integration]") {
  RunningNode n;
  auto spec = shell_job("exit 1");
  spec.retry.max_attempts = 1;
  auto id = n.client->enqueue(spec);
  REQUIRE(id.ok());
  Job job = n.wait_final(*id);
  CHECK(job.state == JobState::dead);
  CHECK(job.attempts == 1);
}

TEST_CASE("a scheduled job waits for its time, then runs", "[integration]") {
  RunningNode n;
  auto spec = shell_job("true");
  spec.in_ms = 700;
  auto id = n.client->enqueue(spec);
  REQUIRE(id.ok());
  Job before = n.get(*id);
  CHECK(before.state == JobState::scheduled);
  Job job = n.wait_final(*id);
  CHECK(job.state == JobState::succeeded);
  CHECK(job.started_at >= job.run_at);
  CHECK(job.started_at - job.created_at >= 700);
}

TEST_CASE("a job over its timeout is stopped and counts as a failed attempt", "[integration]") {
  RunningNode n;
  auto spec = shell_job("sleep 30");
  spec.timeout_ms = 300;
  spec.retry.max_attempts = 1;
  auto id = n.client->enqueue(spec);
  REQUIRE(id.ok());
  Job job = n.wait_final(*id);
  CHECK(job.state == JobState::dead);
  CHECK(job.last_error.find("timed out") != std::string::npos);
  CHECK(job.finished_at - job.started_at < 10'000);
}

TEST_CASE("a unique key refuses a second live job with the same key", "[integration]") {
  RunningNode n;
  auto first = shell_job("sleep 5");
  first.unique_key = "report-42";
  auto id = n.client->enqueue(first);
  REQUIRE(id.ok());
  auto second = n.client->enqueue(first);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code == ErrorCode::conflict);
  CHECK(second.status().message.find("report-42") != std::string::npos);
}

TEST_CASE("bad job specs are refused with a clear error and the rest of the batch goes in",
          "[integration]") {
  RunningNode n;
  protocol::JobSpec bad_queue = shell_job("true", "no spaces allowed");
  protocol::JobSpec bad_payload = shell_job("true");
  bad_payload.payload = "\xc1";  // never valid msgpack
  auto result = n.client->enqueue({shell_job("true"), bad_queue, bad_payload});
  REQUIRE(result.ok());
  REQUIRE(result->ids.size() == 3);
  CHECK(result->ids[0] != 0);
  CHECK(result->ids[1] == 0);
  CHECK(result->errors[1].message.find("queue name") != std::string::npos);
  CHECK(result->ids[2] == 0);
  CHECK(result->errors[2].code == ErrorCode::bad_request);
}

TEST_CASE("a paused queue keeps its jobs until it is resumed", "[integration]") {
  RunningNode n;
  protocol::QueueCommand command;
  command.action = protocol::QueueAction::create;
  command.name = "later";
  REQUIRE(n.client->queue_command(command).ok());
  command.action = protocol::QueueAction::pause;
  REQUIRE(n.client->queue_command(command).ok());
  auto id = n.client->enqueue(shell_job("true", "later"));
  REQUIRE(id.ok());
  auto waited = n.client->wait({*id}, std::chrono::milliseconds(500));
  REQUIRE(waited.ok());
  REQUIRE((*waited)[0]);
  CHECK((*waited)[0]->state == JobState::queued);
  command.action = protocol::QueueAction::resume;
  REQUIRE(n.client->queue_command(command).ok());
  CHECK(n.wait_final(*id).state == JobState::succeeded);
}
