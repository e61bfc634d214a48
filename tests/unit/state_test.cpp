// The scheduler state machine, op by op: what each op does to jobs, queues,
// totals and the master's indexes.
#include "core/state/state.hpp"

#include <catch2/catch.hpp>

#include "core/model/job_id.hpp"
#include "core/state/retry_policy.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

std::uint64_t count(const State& state, JobState s) {
  return state.counts().by_state[static_cast<std::size_t>(s)];
}

std::uint64_t queue_count(const State& state, const std::string& queue, JobState s) {
  return state.queue(queue)->counts.by_state[static_cast<std::size_t>(s)];
}

Job unique_job(JobId id, std::string key) {
  Job job = make_job(id);
  job.unique_key = std::move(key);
  return job;
}

}  // namespace

// ---- enqueue ---------------------------------------------------------------

TEST_CASE("an enqueued job is queued, or scheduled when its run_at is ahead", "[state]") {
  Log log;
  Job later = make_job(2);
  later.run_at = log.now + 5000;
  Job due = make_job(3);
  due.run_at = log.now;  // not in the future: ready now
  ApplyResult r = log.step(EnqueueOp{{make_job(1), later, due}});

  REQUIRE(r.statuses.size() == 3);
  for (const Status& s : r.statuses) CHECK(s.ok());
  CHECK(log.state.find(1)->state == JobState::queued);
  CHECK(log.state.find(2)->state == JobState::scheduled);
  CHECK(log.state.find(3)->state == JobState::queued);
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[1].id == 2);
  CHECK(r.events[1].state == JobState::scheduled);
  CHECK_FALSE(r.events[1].removed);
  CHECK(log.state.totals().enqueued == 3);
  CHECK(log.state.max_job_id() == 3);
}

TEST_CASE("created_at defaults to the op time and a given one is kept", "[state]") {
  Log log;
  Job given = make_job(2);
  given.created_at = 42;
  log.step(EnqueueOp{{make_job(1), given}});
  CHECK(log.state.find(1)->created_at == log.now);
  CHECK(log.state.find(2)->created_at == 42);
}

TEST_CASE("enqueue creates the queue on first use", "[state]") {
  Log log;
  CHECK_FALSE(log.state.queue("mail"));
  REQUIRE(log.enqueue(make_job(1, "mail")).ok());
  auto q = log.state.queue("mail");
  REQUIRE(q);
  CHECK_FALSE(q->explicit_create);
  CHECK(q->counts.total() == 1);
  CHECK(q->config.retention_ms == QueueConfig{}.retention_ms);
}

TEST_CASE("enqueue refuses bad items one by one and keeps the good ones", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(5)).ok());
  ApplyResult r =
      log.step(EnqueueOp{{make_job(1, "bad name!"), make_job(0), make_job(5), make_job(6, "")}});
  REQUIRE(r.statuses.size() == 4);
  CHECK(r.statuses[0].code == ErrorCode::bad_request);
  CHECK(r.statuses[0].message.find("bad name!") != std::string::npos);
  CHECK(r.statuses[1].code == ErrorCode::bad_request);
  CHECK(r.statuses[2].code == ErrorCode::conflict);
  CHECK(r.statuses[3].code == ErrorCode::bad_request);
  CHECK(r.events.empty());
  CHECK(log.state.totals().enqueued == 1);
  CHECK(log.state.counts().total() == 1);
  CHECK(log.state.queues().size() == 1);
}

TEST_CASE("enqueue starts a job afresh whatever runtime fields it carries", "[state]") {
  Log log;
  Job job = make_job(1);
  job.state = JobState::dead;
  job.attempts = 7;
  job.duplicate_runs = 3;
  job.finished_at = 99;
  job.node = "n";
  job.lease_term = 4;
  job.last_error = "boom";
  job.history.resize(3);
  REQUIRE(log.enqueue(job).ok());
  const Job* stored = log.state.find(1);
  CHECK(stored->state == JobState::queued);
  CHECK(stored->attempts == 0);
  CHECK(stored->duplicate_runs == 0);
  CHECK(stored->finished_at == 0);
  CHECK(stored->node.empty());
  CHECK(stored->lease_term == 0);
  CHECK(stored->last_error.empty());
  CHECK(stored->history.empty());
  CHECK(stored->payload == "payload-1");
}

TEST_CASE("a unique key held by a live job refuses another job", "[state]") {
  Log log;
  REQUIRE(log.enqueue(unique_job(0x10, "invoice-7")).ok());
  Status s = log.enqueue(unique_job(0x11, "invoice-7"));
  CHECK(s.code == ErrorCode::conflict);
  CHECK(s.message == "unique key 'invoice-7' is held by job 0000000000000010 (queued)");
  CHECK_FALSE(log.state.find(0x11));

  // Within one batch the first job takes the key.
  ApplyResult r = log.step(EnqueueOp{{unique_job(0x20, "k"), unique_job(0x21, "k")}});
  CHECK(r.statuses[0].ok());
  CHECK(r.statuses[1].code == ErrorCode::conflict);
}

TEST_CASE("a unique key stays held while its job is running or waiting to retry", "[state]") {
  Log log;
  REQUIRE(log.enqueue(unique_job(1, "k")).ok());
  REQUIRE(log.lease(1).ok());
  CHECK(log.enqueue(unique_job(2, "k")).message.find("(running)") != std::string::npos);
  REQUIRE(log.complete(1, Outcome::failed, "boom").ok());
  REQUIRE(log.state.find(1)->state == JobState::failed);
  CHECK(log.enqueue(unique_job(2, "k")).message.find("(failed)") != std::string::npos);
}

TEST_CASE("a unique key is free again once its job is final", "[state]") {
  Log log;
  SECTION("succeeded") {
    REQUIRE(log.enqueue(unique_job(1, "k")).ok());
    REQUIRE(log.lease(1).ok());
    REQUIRE(log.complete(1, Outcome::succeeded).ok());
  }
  SECTION("killed") {
    REQUIRE(log.enqueue(unique_job(1, "k")).ok());
    REQUIRE(log.lease(1).ok());
    REQUIRE(log.complete(1, Outcome::killed).ok());
  }
  SECTION("dead") {
    Job job = unique_job(1, "k");
    job.retry.max_attempts = 1;
    REQUIRE(log.enqueue(job).ok());
    REQUIRE(log.lease(1).ok());
    REQUIRE(log.complete(1, Outcome::failed).ok());
    REQUIRE(log.state.find(1)->state == JobState::dead);
  }
  SECTION("deleted") {
    REQUIRE(log.enqueue(unique_job(1, "k")).ok());
    REQUIRE(log.one(DeleteOp{{1}}).ok());
  }
  CHECK(log.enqueue(unique_job(2, "k")).ok());
}

// ---- lease -------------------------------------------------------------------

TEST_CASE("a lease makes a queued job running under the op's term", "[state]") {
  Log log;
  log.term = 3;
  Job job = make_job(1);
  job.timeout_ms = 1000;
  REQUIRE(log.enqueue(job).ok());
  log.now += 10;
  ApplyResult r = log.step(LeaseOp{{LeaseGrant{1, 1, "node-b", "w7", log.now + 2000}}});
  REQUIRE(r.statuses.at(0).ok());
  const Job* leased = log.state.find(1);
  CHECK(leased->state == JobState::running);
  CHECK(leased->attempts == 1);
  CHECK(leased->started_at == log.now);
  CHECK(leased->lease_term == 3);
  CHECK(leased->node == "node-b");
  CHECK(leased->worker == "w7");
  CHECK(leased->lease_expires_at == log.now + 2000);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].state == JobState::running);
  CHECK(log.state.running_jobs() == std::vector<JobId>{1});
  CHECK(ready_order(log.state, "default").empty());
}

TEST_CASE("a stale or impossible grant is refused and changes nothing", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  REQUIRE(log.enqueue(make_job(2)).ok());
  REQUIRE(log.lease(2).ok());
  ApplyResult r = log.step(LeaseOp{{LeaseGrant{1, 2, "n", "w", 0}, LeaseGrant{2, 2, "n", "w", 0},
                                    LeaseGrant{3, 1, "n", "w", 0}}});
  CHECK(r.statuses[0].code == ErrorCode::conflict);  // attempt 2 for a fresh job
  CHECK(r.statuses[0].message.find("stale grant") != std::string::npos);
  CHECK(r.statuses[1].code == ErrorCode::conflict);  // already running
  CHECK(r.statuses[2].code == ErrorCode::not_found);
  CHECK(r.events.empty());
  CHECK(log.state.find(1)->state == JobState::queued);
  CHECK(log.state.find(1)->attempts == 0);
}

TEST_CASE("a paused queue refuses leases", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  QueueConfig paused;
  paused.paused = true;
  REQUIRE(log.one(QueueConfigureOp{"default", paused}).ok());
  CHECK(log.lease(1).code == ErrorCode::conflict);
  CHECK(log.state.find(1)->state == JobState::queued);
}

// ---- complete ------------------------------------------------------------------

TEST_CASE("a successful attempt ends the job as succeeded", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  REQUIRE(log.lease(1, "w1", log.now + 1000).ok());
  log.now += 250;
  Completion c{1, log.term, 1, Outcome::succeeded, 0, "all done", "", 12, 3456};
  ApplyResult r = log.step(CompleteOp{{c}});
  REQUIRE(r.statuses.at(0).ok());
  const Job* job = log.state.find(1);
  CHECK(job->state == JobState::succeeded);
  CHECK(job->finished_at == log.now);
  CHECK(job->output_tail == "all done");
  CHECK(job->exit_status == 0);
  REQUIRE(job->history.size() == 1);
  CHECK(job->history[0].number == 1);
  CHECK(job->history[0].started_at == log.now - 250);
  CHECK(job->history[0].finished_at == log.now);
  CHECK(job->history[0].worker == "w1");
  CHECK(job->history[0].cpu_ms == 12);
  CHECK(job->history[0].max_rss_kb == 3456);
  CHECK(log.state.totals().succeeded == 1);
  CHECK(log.state.expired_leases(log.now + 10'000, 10).empty());
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].state == JobState::succeeded);
}

TEST_CASE("a failed attempt is retried after the backoff and lands in dead after max attempts",
          "[state]") {
  Log log;
  Job job = make_job(1);
  job.retry.max_attempts = 3;
  REQUIRE(log.enqueue(job).ok());
  RetryPolicy policy = effective_retry_policy(job.retry, {});

  for (std::uint32_t attempt = 1; attempt <= 2; ++attempt) {
    REQUIRE(log.lease(1).ok());
    REQUIRE(log.complete(1, Outcome::failed, "exit 1").ok());
    const Job* failed = log.state.find(1);
    REQUIRE(failed->state == JobState::failed);
    CHECK(failed->attempts == attempt);
    CHECK(failed->last_error == "exit 1");
    TimeMs due = log.now + backoff_delay_ms(policy, 1, attempt);
    CHECK(failed->run_at == due);
    CHECK(log.state.due_promotions(due - 1, 10).empty());
    CHECK(log.state.due_promotions(due, 10) == std::vector<JobId>{1});
    CHECK(log.state.next_deadline() == due);
    CHECK(log.one(PromoteOp{{1}}).code == ErrorCode::conflict);  // not due yet
    log.now = due;
    REQUIRE(log.one(PromoteOp{{1}}).ok());
    REQUIRE(log.state.find(1)->state == JobState::queued);
  }
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.complete(1, Outcome::timed_out, "timed out").ok());
  const Job* dead = log.state.find(1);
  CHECK(dead->state == JobState::dead);
  CHECK(dead->attempts == 3);
  CHECK(dead->finished_at == log.now);
  CHECK(dead->history.size() == 3);
  CHECK(log.state.totals().failed_attempts == 3);
  CHECK(log.state.totals().dead == 1);
  CHECK(log.state.due_promotions(log.now + 1'000'000'000, 10).empty());
}

TEST_CASE("the job's retry overrides win over its queue's", "[state]") {
  Log log;
  QueueConfig config;
  config.retry.max_attempts = 1;
  REQUIRE(log.one(QueueCreateOp{"q", config}).ok());
  Job strict = make_job(1, "q");
  Job lenient = make_job(2, "q");
  lenient.retry.max_attempts = 2;
  REQUIRE(log.enqueue(strict).ok());
  REQUIRE(log.enqueue(lenient).ok());
  for (JobId id : {JobId{1}, JobId{2}}) {
    REQUIRE(log.lease(id).ok());
    REQUIRE(log.complete(id, Outcome::failed).ok());
  }
  CHECK(log.state.find(1)->state == JobState::dead);
  CHECK(log.state.find(2)->state == JobState::failed);
}

TEST_CASE("a killed attempt is final and never retried", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.complete(1, Outcome::killed, "killed by operator").ok());
  CHECK(log.state.find(1)->state == JobState::killed);
  CHECK(log.state.find(1)->finished_at == log.now);
  CHECK(log.state.totals().killed == 1);
  CHECK(log.state.totals().failed_attempts == 0);
  CHECK_FALSE(log.state.next_deadline());
}

TEST_CASE("a report from an older term counts as a duplicate run and changes nothing else",
          "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  REQUIRE(log.lease(1).ok());  // term 1
  log.term = 2;
  REQUIRE(log.one(LeaderStartOp{"node-b"}).ok());
  REQUIRE(log.lease(1, "w2").ok());  // term 2, attempt 1 again
  std::string before = job_bytes(*log.state.find(1));

  Completion old{1, 1, 1, Outcome::succeeded, 0, "late", "", 0, 0};
  ApplyResult r = log.step(CompleteOp{{old}});
  CHECK(r.statuses.at(0).code == ErrorCode::conflict);
  CHECK(r.statuses.at(0).message.find("stale report") != std::string::npos);
  CHECK(r.events.empty());
  Job after = *log.state.find(1);
  CHECK(after.duplicate_runs == 1);
  after.duplicate_runs = 0;
  CHECK(job_bytes(after) == before);
  CHECK(log.state.totals().duplicate_runs == 1);
  CHECK(log.state.totals().succeeded == 0);

  // The current lease still completes.
  CHECK(log.complete(1, Outcome::succeeded).ok());
}

TEST_CASE("a report for a finished job or the wrong attempt is a duplicate run", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  REQUIRE(log.lease(1).ok());
  Completion wrong_attempt{1, log.term, 2, Outcome::failed, 1, "", "x", 0, 0};
  CHECK(log.step(CompleteOp{{wrong_attempt}}).statuses[0].code == ErrorCode::conflict);
  CHECK(log.state.find(1)->state == JobState::running);
  REQUIRE(log.complete(1, Outcome::succeeded).ok());
  Completion again{1, log.term, 1, Outcome::succeeded, 0, "", "", 0, 0};
  CHECK(log.step(CompleteOp{{again}}).statuses[0].code == ErrorCode::conflict);
  CHECK(log.state.find(1)->duplicate_runs == 2);
  CHECK(log.state.totals().duplicate_runs == 2);
  CHECK(log.state.totals().succeeded == 1);

  Completion missing{9, log.term, 1, Outcome::succeeded, 0, "", "", 0, 0};
  CHECK(log.step(CompleteOp{{missing}}).statuses[0].code == ErrorCode::not_found);
  CHECK(log.state.totals().duplicate_runs == 2);
}

TEST_CASE("a job keeps the history of its last 20 attempts", "[state]") {
  Log log;
  Job job = make_job(1);
  job.retry.max_attempts = 30;
  REQUIRE(log.enqueue(job).ok());
  for (int i = 0; i < 25; ++i) {
    REQUIRE(log.lease(1).ok());
    REQUIRE(log.complete(1, Outcome::failed, "e" + std::to_string(i + 1)).ok());
    log.now = log.state.find(1)->run_at;
    REQUIRE(log.one(PromoteOp{{1}}).ok());
  }
  const Job* j = log.state.find(1);
  REQUIRE(j->history.size() == 20);
  CHECK(j->history.front().number == 6);
  CHECK(j->history.front().error == "e6");
  CHECK(j->history.back().number == 25);
}

// ---- release -------------------------------------------------------------------

TEST_CASE("a released job goes back to the head of its queue", "[state]") {
  Log log;
  for (JobId id = 1; id <= 4; ++id) REQUIRE(log.enqueue(make_job(id)).ok());
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.lease(2).ok());
  REQUIRE(ready_order(log.state, "default") == std::vector<JobId>{3, 4});

  ApplyResult r = log.step(ReleaseOp{{2}, false, "worker shutting down"});
  REQUIRE(r.statuses.at(0).ok());
  const Job* released = log.state.find(2);
  CHECK(released->state == JobState::queued);
  CHECK(released->attempts == 0);  // without charge the attempt does not count
  CHECK(released->node.empty());
  CHECK(released->worker.empty());
  CHECK(released->lease_term == 0);
  CHECK(released->lease_expires_at == 0);
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{2, 3, 4});

  // A later release goes in front of an earlier one.
  REQUIRE(log.one(ReleaseOp{{1}, false, ""}).ok());
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{1, 2, 3, 4});

  // It runs next, and the grant's attempt number starts over.
  CHECK(log.step(LeaseOp{{LeaseGrant{1, 1, "n", "w", 0}}}).statuses[0].ok());
}

TEST_CASE("the head of a queue is per priority", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1, "default", 5)).ok());
  REQUIRE(log.enqueue(make_job(2, "default", 0)).ok());
  REQUIRE(log.enqueue(make_job(3, "default", 0)).ok());
  REQUIRE(log.enqueue(make_job(4, "default", 5)).ok());
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{1, 4, 2, 3});
  REQUIRE(log.lease(3).ok());
  REQUIRE(log.one(ReleaseOp{{3}, false, ""}).ok());
  // Before the other priority-0 jobs, still behind the priority-5 ones.
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{1, 4, 3, 2});
}

TEST_CASE("a charged release counts the attempt and kills the job out of attempts", "[state]") {
  Log log;
  Job job = make_job(1);
  job.retry.max_attempts = 2;
  REQUIRE(log.enqueue(job).ok());
  REQUIRE(log.enqueue(make_job(2)).ok());

  REQUIRE(log.lease(1).ok());
  REQUIRE(log.one(ReleaseOp{{1}, true, "node vanished"}).ok());
  const Job* j = log.state.find(1);
  CHECK(j->state == JobState::queued);
  CHECK(j->attempts == 1);
  CHECK(j->history.size() == 1);
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{1, 2});

  REQUIRE(log.lease(1).ok());
  REQUIRE(log.one(ReleaseOp{{1}, true, "node vanished again"}).ok());
  CHECK(j->state == JobState::dead);
  CHECK(j->last_error == "node vanished again");
  CHECK(j->finished_at == log.now);
  CHECK(log.state.totals().dead == 1);
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{2});
}

TEST_CASE("only running jobs can be released", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  ApplyResult r = log.step(ReleaseOp{{1, 2}, false, ""});
  CHECK(r.statuses[0].code == ErrorCode::conflict);
  CHECK(r.statuses[1].code == ErrorCode::not_found);
  CHECK(r.events.empty());
}

TEST_CASE("a new leader puts the older terms' running jobs back without charge", "[state]") {
  Log log;
  for (JobId id = 1; id <= 4; ++id) REQUIRE(log.enqueue(make_job(id)).ok());
  REQUIRE(log.lease(1, "w", log.now + 5000).ok());
  REQUIRE(log.lease(2).ok());
  log.term = 2;
  REQUIRE(log.lease(3).ok());  // leased under the new term already

  ApplyResult r = log.step(LeaderStartOp{"node-b"});
  REQUIRE(r.statuses.size() == 1);
  CHECK(r.statuses[0].ok());
  CHECK(r.events.size() == 2);
  CHECK(log.state.find(1)->state == JobState::queued);
  CHECK(log.state.find(1)->attempts == 0);
  // Not charged, but on record: the run may have happened and runs again.
  REQUIRE(log.state.find(1)->history.size() == 1);
  CHECK(log.state.find(1)->history[0].worker == "w");
  CHECK(log.state.find(1)->history[0].error.find(
            "cut short: the leader changed (lease of term 1)") != std::string::npos);
  CHECK(log.state.find(2)->state == JobState::queued);
  CHECK(log.state.find(3)->state == JobState::running);
  CHECK(log.state.find(3)->history.empty());
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{1, 2, 4});
  CHECK(log.state.expired_leases(log.now + 10'000, 10).empty());
}

// ---- promote, retry, delete ------------------------------------------------------

TEST_CASE("promote makes due scheduled jobs queued in normal order", "[state]") {
  Log log;
  Job a = make_job(1);
  a.run_at = log.now + 100;
  Job b = make_job(2);
  b.run_at = log.now + 50;
  REQUIRE(log.enqueue(make_job(3)).ok());
  log.step(EnqueueOp{{a, b}});
  REQUIRE(log.enqueue(make_job(4)).ok());

  CHECK(log.state.next_deadline() == log.now + 50);
  CHECK(log.state.due_promotions(log.now + 100, 10) == std::vector<JobId>{2, 1});
  CHECK(log.state.due_promotions(log.now + 100, 1) == std::vector<JobId>{2});
  CHECK(log.state.due_promotions(log.now + 99, 10) == std::vector<JobId>{2});

  log.now += 100;
  ApplyResult r = log.step(PromoteOp{{2, 1, 3, 99}});
  CHECK(r.statuses[0].ok());
  CHECK(r.statuses[1].ok());
  CHECK(r.statuses[2].code == ErrorCode::conflict);  // already queued
  CHECK(r.statuses[3].code == ErrorCode::not_found);
  CHECK(r.events.size() == 2);
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{1, 2, 3, 4});
  CHECK_FALSE(log.state.next_deadline());
}

TEST_CASE("retry runs a finished or waiting job again from a fresh count", "[state]") {
  Log log;
  Job job = make_job(1);
  job.retry.max_attempts = 1;
  REQUIRE(log.enqueue(job).ok());
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.complete(1, Outcome::failed, "boom").ok());
  REQUIRE(log.state.find(1)->state == JobState::dead);
  Job later = make_job(2);
  later.run_at = log.now + 1'000'000;
  REQUIRE(log.enqueue(later).ok());
  REQUIRE(log.enqueue(make_job(3)).ok());
  REQUIRE(log.enqueue(make_job(4)).ok());
  REQUIRE(log.lease(4).ok());

  ApplyResult r = log.step(RetryOp{{1, 2, 3, 4, 5}});
  CHECK(r.statuses[0].ok());
  CHECK(r.statuses[1].ok());
  CHECK(r.statuses[2].ok());  // queued: nothing to do
  CHECK(r.statuses[3].code == ErrorCode::conflict);
  CHECK(r.statuses[4].code == ErrorCode::not_found);
  CHECK(r.events.size() == 2);
  const Job* retried = log.state.find(1);
  CHECK(retried->state == JobState::queued);
  CHECK(retried->attempts == 0);
  CHECK(retried->run_at == 0);
  CHECK(retried->finished_at == 0);
  CHECK(retried->history.size() == 1);
  CHECK(log.state.find(2)->run_at == 0);
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{1, 2, 3});
  CHECK(count(log.state, JobState::dead) == 0);
  CHECK_FALSE(log.state.next_deadline());
}

TEST_CASE("retry of a final job refuses while another job holds its unique key", "[state]") {
  Log log;
  REQUIRE(log.enqueue(unique_job(1, "k")).ok());
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.complete(1, Outcome::succeeded).ok());
  REQUIRE(log.enqueue(unique_job(2, "k")).ok());
  Status s = log.one(RetryOp{{1}});
  CHECK(s.code == ErrorCode::conflict);
  CHECK(s.message.find("held by job 0000000000000002") != std::string::npos);
  CHECK(log.state.find(1)->state == JobState::succeeded);
  REQUIRE(log.one(DeleteOp{{2}}).ok());
  CHECK(log.one(RetryOp{{1}}).ok());
  CHECK(log.enqueue(unique_job(3, "k")).code == ErrorCode::conflict);
}

TEST_CASE("delete removes a job from every index but refuses a running one", "[state]") {
  Log log;
  Job scheduled = unique_job(1, "k");
  scheduled.run_at = log.now + 100;
  REQUIRE(log.enqueue(scheduled).ok());
  REQUIRE(log.enqueue(make_job(2)).ok());
  REQUIRE(log.enqueue(make_job(3)).ok());
  REQUIRE(log.lease(3, "w", log.now + 1000).ok());

  ApplyResult r = log.step(DeleteOp{{1, 2, 3, 4}});
  CHECK(r.statuses[0].ok());
  CHECK(r.statuses[1].ok());
  CHECK(r.statuses[2].code == ErrorCode::conflict);
  CHECK(r.statuses[2].message == "job is running; kill it first");
  CHECK(r.statuses[3].code == ErrorCode::not_found);
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].id == 1);
  CHECK(r.events[0].removed);
  CHECK(r.events[1].removed);

  CHECK_FALSE(log.state.find(1));
  CHECK_FALSE(log.state.find(2));
  CHECK(log.state.due_promotions(log.now + 1000, 10).empty());
  CHECK(ready_order(log.state, "default").empty());
  CHECK(log.state.ready_queues().empty());
  CHECK(log.state.counts().total() == 1);
  CHECK(log.state.list({}).total == 1);
  CHECK(log.state.next_deadline() == log.now + 1000);  // only the lease remains
  CHECK(log.enqueue(unique_job(5, "k")).ok());
  CHECK(log.state.max_job_id() == 5);
  REQUIRE(log.one(DeleteOp{{5}}).ok());
  CHECK(log.state.max_job_id() == 5);  // ids seen stay seen
}

// ---- purge -------------------------------------------------------------------

TEST_CASE("purge drops succeeded jobs only after the queue's retention", "[state]") {
  Log log;
  QueueConfig config;
  config.retention_ms = 1000;
  REQUIRE(log.one(QueueCreateOp{"short", config}).ok());
  REQUIRE(log.enqueue(make_job(1, "short")).ok());
  REQUIRE(log.enqueue(make_job(2, "default")).ok());  // default retention: a day
  Job failing = make_job(3, "short");
  failing.retry.max_attempts = 1;
  REQUIRE(log.enqueue(failing).ok());
  for (JobId id : {JobId{1}, JobId{2}}) {
    REQUIRE(log.lease(id).ok());
    REQUIRE(log.complete(id, Outcome::succeeded).ok());
  }
  REQUIRE(log.lease(3).ok());
  REQUIRE(log.complete(3, Outcome::failed).ok());  // dead: kept until deleted
  TimeMs finished = log.now;

  CHECK(log.state.next_deadline() == finished + 1000);
  CHECK_FALSE(log.state.purge_due(finished + 999));
  log.now = finished + 999;
  ApplyResult early = log.step(PurgeOp{});
  CHECK(early.events.empty());
  CHECK(log.state.find(1));

  CHECK(log.state.purge_due(finished + 1000));
  log.now = finished + 1000;
  ApplyResult r = log.step(PurgeOp{});
  REQUIRE(r.statuses.size() == 1);
  CHECK(r.statuses[0].ok());
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].id == 1);
  CHECK(r.events[0].removed);
  CHECK_FALSE(log.state.find(1));
  CHECK(log.state.find(2));
  CHECK(log.state.find(3));
  CHECK(log.state.totals().purged == 1);
  CHECK(log.state.next_deadline() == finished + QueueConfig{}.retention_ms);
}

TEST_CASE("a queue's new retention applies to jobs that finished before", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.complete(1, Outcome::succeeded).ok());
  TimeMs finished = log.now;
  QueueConfig config;
  config.retention_ms = 10;
  REQUIRE(log.one(QueueConfigureOp{"default", config}).ok());
  CHECK(log.state.next_deadline() == finished + 10);
  config.retention_ms = ~std::uint64_t{0};  // forever
  REQUIRE(log.one(QueueConfigureOp{"default", config}).ok());
  CHECK_FALSE(log.state.next_deadline());
  CHECK_FALSE(log.state.purge_due(std::numeric_limits<TimeMs>::max()));
}

// ---- queues ------------------------------------------------------------------

TEST_CASE("queue create refuses an existing queue and a bad name", "[state]") {
  Log log;
  QueueConfig config;
  config.retention_ms = 5;
  CHECK(log.one(QueueCreateOp{"q", config}).ok());
  CHECK(log.one(QueueCreateOp{"q", {}}).code == ErrorCode::conflict);
  CHECK(log.one(QueueCreateOp{"", {}}).code == ErrorCode::bad_request);
  CHECK(log.one(QueueCreateOp{"a b", {}}).code == ErrorCode::bad_request);
  auto q = log.state.queue("q");
  REQUIRE(q);
  CHECK(q->explicit_create);
  CHECK(q->config.retention_ms == 5);
  CHECK(log.state.queues().size() == 1);
}

TEST_CASE("queue configure replaces the settings and creates a missing queue", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1, "implicit")).ok());
  QueueConfig config;
  config.paused = true;
  config.retry.max_attempts = 4;
  REQUIRE(log.one(QueueConfigureOp{"implicit", config}).ok());
  REQUIRE(log.one(QueueConfigureOp{"fresh", config}).ok());
  CHECK(log.one(QueueConfigureOp{"bad name", config}).code == ErrorCode::bad_request);
  auto implicit = log.state.queue("implicit");
  CHECK(implicit->config.paused);
  CHECK(implicit->config.retry.max_attempts == 4);
  CHECK_FALSE(implicit->explicit_create);
  CHECK(log.state.queue("fresh")->explicit_create);
  std::vector<std::string> names;
  for (const QueueInfo& q : log.state.queues()) names.push_back(q.name);
  CHECK(names == std::vector<std::string>{"fresh", "implicit"});
}

TEST_CASE("a paused queue keeps its jobs but offers none", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1, "a")).ok());
  REQUIRE(log.enqueue(make_job(2, "b")).ok());
  QueueConfig paused;
  paused.paused = true;
  REQUIRE(log.one(QueueConfigureOp{"a", paused}).ok());
  CHECK(log.enqueue(make_job(3, "a")).ok());
  CHECK(log.state.ready_queues() == std::vector<std::string>{"b"});
  CHECK(ready_order(log.state, "a").empty());
  CHECK(queue_count(log.state, "a", JobState::queued) == 2);
  REQUIRE(log.one(QueueConfigureOp{"a", QueueConfig{}}).ok());
  CHECK(ready_order(log.state, "a") == std::vector<JobId>{1, 3});
}

TEST_CASE("queue clear drops waiting jobs and keeps running and finished ones", "[state]") {
  Log log;
  Job scheduled = make_job(1, "q");
  scheduled.run_at = log.now + 10;
  REQUIRE(log.enqueue(scheduled).ok());
  REQUIRE(log.enqueue(make_job(2, "q")).ok());
  REQUIRE(log.enqueue(make_job(3, "q")).ok());
  REQUIRE(log.enqueue(make_job(4, "q")).ok());
  REQUIRE(log.enqueue(make_job(5, "q")).ok());
  REQUIRE(log.enqueue(make_job(6, "other")).ok());
  REQUIRE(log.lease(3).ok());
  REQUIRE(log.lease(4).ok());
  REQUIRE(log.complete(4, Outcome::failed).ok());  // failed, awaiting retry
  REQUIRE(log.lease(5).ok());
  REQUIRE(log.complete(5, Outcome::succeeded).ok());

  ApplyResult r = log.step(QueueClearOp{"q"});
  REQUIRE(r.statuses.size() == 1);
  CHECK(r.statuses[0].ok());
  CHECK(r.events.size() == 3);
  CHECK_FALSE(log.state.find(1));
  CHECK_FALSE(log.state.find(2));
  CHECK(log.state.find(3));
  CHECK_FALSE(log.state.find(4));
  CHECK(log.state.find(5));
  CHECK(log.state.find(6));
  CHECK(log.state.due_promotions(log.now + 100'000'000, 10).empty());
  CHECK(log.one(QueueClearOp{"missing"}).code == ErrorCode::not_found);
}

TEST_CASE("queue delete refuses while jobs run, then forgets queue and jobs", "[state]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1, "q")).ok());
  REQUIRE(log.enqueue(make_job(2, "q")).ok());
  REQUIRE(log.enqueue(unique_job(3, "k")).ok());
  REQUIRE(log.lease(1).ok());
  Status refused = log.one(QueueDeleteOp{"q"});
  CHECK(refused.code == ErrorCode::conflict);
  CHECK(refused.message.find("running") != std::string::npos);
  REQUIRE(log.complete(1, Outcome::succeeded).ok());

  ApplyResult r = log.step(QueueDeleteOp{"q"});
  CHECK(r.statuses.at(0).ok());
  CHECK(r.events.size() == 2);
  CHECK_FALSE(log.state.queue("q"));
  CHECK_FALSE(log.state.find(1));
  CHECK_FALSE(log.state.find(2));
  CHECK(log.state.find(3));
  CHECK_FALSE(log.state.next_deadline());  // no purge pending for the deleted job
  CHECK(log.one(QueueDeleteOp{"q"}).code == ErrorCode::not_found);
  // The name is free for a new queue.
  CHECK(log.enqueue(make_job(4, "q")).ok());
  CHECK_FALSE(log.state.queue("q")->explicit_create);
}

// ---- indexes and reads -----------------------------------------------------------

TEST_CASE("ready jobs come by priority, then in id order", "[state]") {
  Log log;
  log.step(EnqueueOp{{make_job(5, "q", 0), make_job(2, "q", 0), make_job(7, "q", 9),
                      make_job(1, "q", -3), make_job(3, "q", 9)}});
  CHECK(ready_order(log.state, "q") == std::vector<JobId>{3, 7, 2, 5, 1});
  std::vector<JobId> first_two;
  log.state.for_each_ready("q", log.now, [&](const Job& job) {
    first_two.push_back(job.id);
    return first_two.size() < 2 ? PlanStep::take : PlanStep::stop;
  });
  CHECK(first_two == std::vector<JobId>{3, 7});
  CHECK(ready_order(log.state, "missing").empty());
}

TEST_CASE("expired leases come in expiry order and only for leases that expire", "[state]") {
  Log log;
  for (JobId id = 1; id <= 4; ++id) REQUIRE(log.enqueue(make_job(id)).ok());
  REQUIRE(log.lease(1, "w", log.now + 300).ok());
  REQUIRE(log.lease(2, "w", log.now + 100).ok());
  REQUIRE(log.lease(3, "w", 0).ok());
  REQUIRE(log.lease(4, "w", log.now + 200).ok());
  CHECK(log.state.expired_leases(log.now + 99, 10).empty());
  CHECK(log.state.expired_leases(log.now + 200, 10) == std::vector<JobId>{2, 4});
  CHECK(log.state.expired_leases(log.now + 1000, 2) == std::vector<JobId>{2, 4});
  CHECK(log.state.expired_leases(log.now + 1000, 10) == std::vector<JobId>{2, 4, 1});
  CHECK(log.state.next_deadline() == log.now + 100);
  CHECK(log.state.running_jobs() == std::vector<JobId>{1, 2, 3, 4});
}

TEST_CASE("next_deadline is the earliest of retry, expiry and purge times", "[state]") {
  Log log;
  CHECK_FALSE(log.state.next_deadline());
  QueueConfig config;
  config.retention_ms = 500;
  REQUIRE(log.one(QueueCreateOp{"q", config}).ok());
  REQUIRE(log.enqueue(make_job(1, "q")).ok());
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.complete(1, Outcome::succeeded).ok());
  CHECK(log.state.next_deadline() == log.now + 500);
  Job scheduled = make_job(2, "q");
  scheduled.run_at = log.now + 400;
  REQUIRE(log.enqueue(scheduled).ok());
  CHECK(log.state.next_deadline() == log.now + 400);
  REQUIRE(log.enqueue(make_job(3, "q")).ok());
  REQUIRE(log.lease(3, "w", log.now + 300).ok());
  CHECK(log.state.next_deadline() == log.now + 300);
}

TEST_CASE("counts follow every transition, per queue and in total", "[state]") {
  Log log;
  for (JobId id = 1; id <= 5; ++id)
    REQUIRE(log.enqueue(make_job(id, id % 2 ? "odd" : "even")).ok());
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.lease(2).ok());
  REQUIRE(log.complete(2, Outcome::succeeded).ok());
  CHECK(count(log.state, JobState::queued) == 3);
  CHECK(count(log.state, JobState::running) == 1);
  CHECK(count(log.state, JobState::succeeded) == 1);
  CHECK(log.state.counts().total() == 5);
  CHECK(queue_count(log.state, "odd", JobState::queued) == 2);
  CHECK(queue_count(log.state, "odd", JobState::running) == 1);
  CHECK(queue_count(log.state, "even", JobState::succeeded) == 1);
  CHECK(queue_count(log.state, "even", JobState::queued) == 1);
}

TEST_CASE("list pages through jobs by id with queue and state filters", "[state]") {
  Log log;
  // ids 1..30: queue a for odd ids, b for even; every third job runs.
  for (JobId id = 1; id <= 30; ++id) REQUIRE(log.enqueue(make_job(id, id % 2 ? "a" : "b")).ok());
  for (JobId id = 3; id <= 30; id += 3) REQUIRE(log.lease(id).ok());

  SECTION("no filter") {
    ListPage page = log.state.list({"", std::nullopt, 0, 12});
    CHECK(page.total == 30);
    REQUIRE(page.jobs.size() == 12);
    CHECK(page.jobs.front()->id == 1);
    CHECK(page.next == 12);
    std::vector<JobId> all = page_ids(page);
    while (page.next != 0) {
      page = log.state.list({"", std::nullopt, page.next, 12});
      for (JobId id : page_ids(page)) all.push_back(id);
    }
    CHECK(all.size() == 30);
    CHECK(std::is_sorted(all.begin(), all.end()));
  }
  SECTION("queue and state") {
    ListPage page = log.state.list({"a", JobState::running, 0, 3});
    CHECK(page_ids(page) == std::vector<JobId>{3, 9, 15});
    CHECK(page.total == 5);
    CHECK(page.next == 15);
    page = log.state.list({"a", JobState::running, 15, 3});
    CHECK(page_ids(page) == std::vector<JobId>{21, 27});
    CHECK(page.next == 0);
  }
  SECTION("queue only") {
    ListPage page = log.state.list({"b", std::nullopt, 10, 4});
    CHECK(page_ids(page) == std::vector<JobId>{12, 14, 16, 18});
    CHECK(page.total == 15);
    CHECK(page.next == 18);
  }
  SECTION("state only, across queues") {
    ListPage page = log.state.list({"", JobState::running, 0, 4});
    CHECK(page_ids(page) == std::vector<JobId>{3, 6, 9, 12});
    CHECK(page.total == 10);
    page = log.state.list({"", JobState::running, 27, 4});
    CHECK(page_ids(page) == std::vector<JobId>{30});
    CHECK(page.next == 0);
  }
  SECTION("a page that ends exactly at the last job says so") {
    ListPage page = log.state.list({"", JobState::running, 18, 4});
    CHECK(page_ids(page) == std::vector<JobId>{21, 24, 27, 30});
    CHECK(page.next == 0);
  }
  SECTION("unknown queue or empty state") {
    CHECK(log.state.list({"zzz", std::nullopt, 0, 10}).jobs.empty());
    CHECK(log.state.list({"zzz", std::nullopt, 0, 10}).total == 0);
    ListPage dead = log.state.list({"", JobState::dead, 0, 10});
    CHECK(dead.jobs.empty());
    CHECK(dead.total == 0);
  }
}

TEST_CASE("ready queues skip paused and empty ones and put the least recently served first",
          "[state]") {
  Log log;
  for (JobId id = 1; id <= 6; ++id) {
    REQUIRE(log.enqueue(make_job(id, id <= 2 ? "a" : id <= 4 ? "b" : "c")).ok());
  }
  CHECK(log.state.ready_queues() == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(log.lease(1).ok());
  CHECK(log.state.ready_queues() == std::vector<std::string>{"b", "c", "a"});
  REQUIRE(log.lease(5).ok());
  CHECK(log.state.ready_queues() == std::vector<std::string>{"b", "a", "c"});
  REQUIRE(log.lease(2).ok());  // a has nothing ready now
  CHECK(log.state.ready_queues() == std::vector<std::string>{"b", "c"});
}

TEST_CASE("every apply records the op's index and term", "[state]") {
  Log log;
  log.term = 4;
  log.index = 41;
  log.step(PurgeOp{});
  CHECK(log.state.applied_index() == 42);
  CHECK(log.state.applied_term() == 4);
  log.step(DeleteOp{{12345}});  // refused items still advance the log
  CHECK(log.state.applied_index() == 43);
}
