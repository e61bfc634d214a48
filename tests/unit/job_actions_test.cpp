// The job actions of the state machine (kill, relocate, re-role,
// reschedule; retry and delete beside them) on jobs in every state: what
// each may change, what it refuses with a clear error, and that a refused
// job and every final job are left exactly as they were.
#include <catch2/catch.hpp>

#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

constexpr JobState kEveryState[] = {JobState::scheduled, JobState::queued, JobState::running,
                                    JobState::succeeded, JobState::failed, JobState::dead,
                                    JobState::killed};

// Puts job `id` into `state` by the ops that lead there.
void make_in_state(Log& log, JobId id, JobState state) {
  Job job = make_job(id, "default");
  if (state == JobState::scheduled) job.run_at = log.now + 60'000;
  if (state == JobState::dead) job.retry.max_attempts = 1;
  REQUIRE(log.enqueue(job).ok());
  switch (state) {
    case JobState::scheduled:
    case JobState::queued:
      break;
    case JobState::running:
      REQUIRE(log.lease(id).ok());
      break;
    case JobState::succeeded:
      REQUIRE(log.lease(id).ok());
      REQUIRE(log.complete(id, Outcome::succeeded).ok());
      break;
    case JobState::failed:
    case JobState::dead:
      REQUIRE(log.lease(id).ok());
      REQUIRE(log.complete(id, Outcome::failed, "boom").ok());
      break;
    case JobState::killed:
      REQUIRE(log.lease(id).ok());
      REQUIRE(log.complete(id, Outcome::killed).ok());
      break;
  }
  REQUIRE(log.state.find(id)->state == state);
}

bool waiting(JobState s) {
  return s == JobState::scheduled || s == JobState::queued || s == JobState::failed;
}

// Applies op to a job in every state: allowed(state) says whether it may
// act; a refused job must come out byte for byte unchanged, with a conflict
// whose message names the job's state.
template <typename MakeOp, typename Allowed, typename Check>
void for_every_state(MakeOp make_op, Allowed allowed, Check check) {
  for (JobState state : kEveryState) {
    DYNAMIC_SECTION(to_string(state)) {
      Log log;
      const JobId id = 100;
      make_in_state(log, id, state);
      const std::string before = job_bytes(*log.state.find(id));
      const Totals totals_before = log.state.totals();
      ApplyResult r = log.step(make_op(std::vector<JobId>{id}));
      REQUIRE(r.statuses.size() == 1);
      if (allowed(state)) {
        INFO(r.statuses[0].message);
        CHECK(r.statuses[0].ok());
        check(log, *log.state.find(id), state);
      } else {
        CHECK(r.statuses[0].code == ErrorCode::conflict);
        CHECK_THAT(r.statuses[0].message, Catch::Contains(to_string(state)));
        CHECK(job_bytes(*log.state.find(id)) == before);
        CHECK(log.state.totals().killed == totals_before.killed);
        CHECK(r.events.empty());
      }
    }
  }
}

}  // namespace

TEST_CASE("kill ends every job that is not final as killed, and refuses final ones",
          "[state][actions]") {
  for_every_state([](std::vector<JobId> ids) { return KillOp{std::move(ids)}; },
                  [](JobState s) { return !is_final(s); },
                  [](Log& log, const Job& job, JobState) {
                    CHECK(job.state == JobState::killed);
                    CHECK(job.finished_at == log.now);
                    CHECK(job.last_error == "killed by an operator");
                    CHECK(log.state.totals().killed == 1);
                    CHECK(log.state.counts().by_state[static_cast<int>(JobState::killed)] == 1);
                  });
}

TEST_CASE("a killed job is never retried, promoted or leased again", "[state][actions]") {
  Log log;
  Job scheduled = make_job(1);
  scheduled.run_at = log.now + 1000;
  REQUIRE(log.enqueue(scheduled).ok());
  REQUIRE(log.one(KillOp{{1}}).ok());
  log.now += 5000;
  CHECK(log.state.due_promotions(log.now, 10).empty());
  CHECK(log.one(PromoteOp{{1}}).code == ErrorCode::conflict);
  CHECK(log.lease(1).code == ErrorCode::conflict);
  CHECK(!log.state.next_deadline());
}

TEST_CASE("killing a running job voids its lease: its report is a duplicate run only",
          "[state][actions]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  REQUIRE(log.lease(1, "w1", log.now + 60'000).ok());
  const Job running = *log.state.find(1);
  log.now += 1000;
  REQUIRE(log.one(KillOp{{1}}).ok());
  const Job& killed = *log.state.find(1);
  CHECK(killed.state == JobState::killed);
  // The lease it had stays on record, for the cancel sent to its worker.
  CHECK(killed.lease_term == running.lease_term);
  CHECK(killed.attempts == 1);
  CHECK(killed.worker == "w1");
  REQUIRE(killed.history.size() == 1);
  CHECK(killed.history[0].error == "killed by an operator");
  CHECK(killed.history[0].finished_at == log.now);
  // No lease expiry is pending for it any more.
  CHECK(log.state.expired_leases(log.now + 120'000, 10).empty());

  // The worker's report of the stopped run: counted once as a duplicate,
  // nothing else changes, killed is not counted twice.
  Completion c;
  c.id = 1;
  c.term = running.lease_term;
  c.attempt = running.attempts;
  c.outcome = Outcome::killed;
  ApplyResult r = log.step(CompleteOp{{c}});
  CHECK(r.statuses[0].code == ErrorCode::conflict);
  CHECK(log.state.find(1)->state == JobState::killed);
  CHECK(log.state.find(1)->duplicate_runs == 1);
  CHECK(log.state.totals().killed == 1);
  CHECK(log.state.totals().duplicate_runs == 1);
  CHECK(log.state.find(1)->history.size() == 1);
}

TEST_CASE("a killed job gives up its unique key", "[state][actions]") {
  Log log;
  Job job = make_job(1);
  job.unique_key = "only-one";
  REQUIRE(log.enqueue(job).ok());
  REQUIRE(log.one(KillOp{{1}}).ok());
  Job again = make_job(2);
  again.unique_key = "only-one";
  CHECK(log.enqueue(again).ok());
}

TEST_CASE("relocate moves waiting jobs to another queue and stops running ones",
          "[state][actions]") {
  for_every_state(
      [](std::vector<JobId> ids) {
        return RelocateOp{std::move(ids), "elsewhere", true, "node-b"};
      },
      [](JobState s) { return !is_final(s); },
      [](Log& log, const Job& job, JobState before) {
        CHECK(job.queue == "elsewhere");
        CHECK(job.pin_node == "node-b");
        const JobState expected = before == JobState::running ? JobState::queued : before;
        CHECK(job.state == expected);
        auto in_new = log.state.queue("elsewhere");
        REQUIRE(in_new);
        CHECK(in_new->counts.by_state[static_cast<int>(expected)] == 1);
        CHECK(log.state.queue("default")->counts.total() == 0);
        if (before == JobState::running) {
          CHECK(job.attempts == 0);  // not charged
          CHECK(job.lease_term == 0);
          CHECK(job.worker.empty());
          CHECK(log.state.totals().killed == 0);
        }
        if (expected == JobState::queued)
          CHECK(ready_order(log.state, "elsewhere") == std::vector<JobId>{100});
      });
}

TEST_CASE("a relocated running job goes to the head of its new queue", "[state][actions]") {
  Log log;
  for (JobId id : {1, 2}) REQUIRE(log.enqueue(make_job(id, "target")).ok());
  REQUIRE(log.enqueue(make_job(3, "source")).ok());
  REQUIRE(log.lease(3).ok());
  REQUIRE(log.one(RelocateOp{{3}, "target", false, {}}).ok());
  CHECK(ready_order(log.state, "target") == std::vector<JobId>{3, 1, 2});
  // Queued jobs moved in take their place by id, behind nobody's head.
  REQUIRE(log.enqueue(make_job(4, "other")).ok());
  REQUIRE(log.one(RelocateOp{{4}, "target", false, {}}).ok());
  CHECK(ready_order(log.state, "target") == std::vector<JobId>{3, 1, 2, 4});
}

TEST_CASE("relocate with only a node pins the job and leaves its queue", "[state][actions]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1, "q")).ok());
  REQUIRE(log.one(RelocateOp{{1}, "", true, "node-c"}).ok());
  CHECK(log.state.find(1)->queue == "q");
  CHECK(log.state.find(1)->pin_node == "node-c");
  REQUIRE(log.one(RelocateOp{{1}, "", true, ""}).ok());
  CHECK(log.state.find(1)->pin_node.empty());
}

TEST_CASE("relocate to a malformed queue name is refused for every job", "[state][actions]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  REQUIRE(log.enqueue(make_job(2)).ok());
  ApplyResult r = log.step(RelocateOp{{1, 2}, std::string(300, 'x'), false, {}});
  REQUIRE(r.statuses.size() == 2);
  CHECK(r.statuses[0].code == ErrorCode::bad_request);
  CHECK(r.statuses[1].code == ErrorCode::bad_request);
  CHECK(log.state.find(1)->queue == "default");
}

TEST_CASE("re-role changes class, priority, flow and queue of waiting jobs only",
          "[state][actions]") {
  auto op = [](std::vector<JobId> ids) {
    ReroleOp r;
    r.ids = std::move(ids);
    r.job_class = "Mailer";
    r.priority = 7;
    r.flow = "customer-9";
    r.queue = "mail";
    return r;
  };
  for_every_state(op, waiting, [](Log& log, const Job& job, JobState before) {
    CHECK(job.state == before);
    CHECK(job.job_class == "Mailer");
    CHECK(job.priority == 7);
    CHECK(job.flow == "customer-9");
    CHECK(job.queue == "mail");
    CHECK(log.state.queue("mail")->counts.by_state[static_cast<int>(before)] == 1);
  });
}

TEST_CASE("re-role refuses a running job with a hint", "[state][actions]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  REQUIRE(log.lease(1).ok());
  ReroleOp op;
  op.ids = {1};
  op.priority = 3;
  Status s = log.one(op);
  CHECK(s.code == ErrorCode::conflict);
  CHECK_THAT(s.message, Catch::Contains("kill or relocate it first"));
}

TEST_CASE("re-role of priority changes the dispatch order", "[state][actions]") {
  Log log;
  for (JobId id : {1, 2, 3}) REQUIRE(log.enqueue(make_job(id)).ok());
  ReroleOp op;
  op.ids = {3};
  op.priority = 10;
  REQUIRE(log.one(op).ok());
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{3, 1, 2});
  op.ids = {1};
  op.priority = -1;
  REQUIRE(log.one(op).ok());
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{3, 2, 1});
}

TEST_CASE("re-role leaves fields it was not given alone and refuses an empty class",
          "[state][actions]") {
  Log log;
  Job job = make_job(1, "q", 4);
  job.job_class = "Keep";
  REQUIRE(log.enqueue(job).ok());
  ReroleOp op;
  op.ids = {1};
  op.flow = "f";
  REQUIRE(log.one(op).ok());
  CHECK(log.state.find(1)->job_class == "Keep");
  CHECK(log.state.find(1)->priority == 4);
  CHECK(log.state.find(1)->queue == "q");
  op.job_class = "";
  CHECK(log.one(op).code == ErrorCode::bad_request);
}

TEST_CASE("reschedule moves run_at of scheduled and failed jobs only", "[state][actions]") {
  for_every_state(
      [](std::vector<JobId> ids) {
        return RescheduleOp{std::move(ids), kT0 + 3'600'000};
      },
      [](JobState s) { return s == JobState::scheduled || s == JobState::failed; },
      [](Log& log, const Job& job, JobState before) {
        CHECK(job.state == before);
        CHECK(job.run_at == kT0 + 3'600'000);
        CHECK(log.state.due_promotions(kT0 + 3'599'999, 10).empty());
        CHECK(log.state.due_promotions(kT0 + 3'600'000, 10) == std::vector<JobId>{100});
      });
}

TEST_CASE("a job rescheduled into the past is due at once", "[state][actions]") {
  Log log;
  Job job = make_job(1);
  job.run_at = log.now + 60'000;
  REQUIRE(log.enqueue(job).ok());
  REQUIRE(log.one(RescheduleOp{{1}, log.now - 1}).ok());
  CHECK(log.state.due_promotions(log.now, 10) == std::vector<JobId>{1});
  REQUIRE(log.one(PromoteOp{{1}}).ok());
  CHECK(log.state.find(1)->state == JobState::queued);
}

TEST_CASE("retry refuses a running job and delete a running one until it is killed",
          "[state][actions]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  REQUIRE(log.lease(1).ok());
  CHECK(log.one(RetryOp{{1}}).code == ErrorCode::conflict);
  CHECK(log.one(DeleteOp{{1}}).code == ErrorCode::conflict);
  REQUIRE(log.one(KillOp{{1}}).ok());
  CHECK(log.one(DeleteOp{{1}}).ok());
  CHECK(log.state.find(1) == nullptr);
}

TEST_CASE("a killed job can be retried and runs again", "[state][actions]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  REQUIRE(log.one(KillOp{{1}}).ok());
  REQUIRE(log.one(RetryOp{{1}}).ok());
  CHECK(log.state.find(1)->state == JobState::queued);
  CHECK(log.lease(1).ok());
}

TEST_CASE("job actions answer each id on its own: unknown ids are not found", "[state][actions]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  ApplyResult r = log.step(KillOp{{1, 999, 1}});
  REQUIRE(r.statuses.size() == 3);
  CHECK(r.statuses[0].ok());
  CHECK(r.statuses[1].code == ErrorCode::not_found);
  CHECK(r.statuses[2].code == ErrorCode::conflict);  // killed by the first item
  CHECK(log.state.totals().killed == 1);
}

TEST_CASE("job actions survive a snapshot: the same state comes back", "[state][actions]") {
  Log log;
  for (JobId id : {1, 2, 3}) REQUIRE(log.enqueue(make_job(id)).ok());
  REQUIRE(log.lease(2).ok());
  REQUIRE(log.one(KillOp{{1}}).ok());
  REQUIRE(log.one(RelocateOp{{2}, "moved", true, "n"}).ok());
  ReroleOp rerole;
  rerole.ids = {3};
  rerole.priority = 5;
  rerole.flow = "f";
  REQUIRE(log.one(rerole).ok());
  Result<State> copy = State::decode_snapshot(log.state.encode_snapshot());
  REQUIRE(copy.ok());
  for (JobId id : {1, 2, 3}) CHECK(job_bytes(*copy->find(id)) == job_bytes(*log.state.find(id)));
  CHECK(ready_order(*copy, "moved") == ready_order(log.state, "moved"));
  CHECK(copy->totals().killed == 1);
}
