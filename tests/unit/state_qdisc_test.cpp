// Queueing disciplines inside the State: the lease planner follows each
// queue's discipline, accounting moves with applied ops only, switching
// loses no job, and a snapshot restores a state that plans identically.
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "core/state/lease_planner.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

Job flow_job(JobId id, const std::string& queue, const std::string& flow, std::int32_t prio = 0) {
  Job job = make_job(id, queue, prio);
  job.flow = flow;
  return job;
}

QdiscConfig sfq(std::uint32_t quantum = 1) {
  QdiscConfig c;
  c.kind = QdiscKind::sfq;
  c.quantum = quantum;
  return c;
}

QdiscConfig fifo() {
  QdiscConfig c;
  c.kind = QdiscKind::fifo;
  return c;
}

// root (20/s) with leaves a and b at 10/s each, both allowed to borrow up
// to 20/s; flows "a" and "b" map to them.
QdiscConfig htb_ab() {
  QdiscConfig c;
  c.kind = QdiscKind::htb;
  c.classes = {{"root", "", 20'000, 20'000, 1, 1},
               {"a", "root", 10'000, 20'000, 1, 1},
               {"b", "root", 10'000, 20'000, 1, 1}};
  c.rules = {{"", "", "a", "a"}, {"", "", "b", "b"}};
  c.default_class = "b";
  return c;
}

Status set_qdisc(Log& log, const std::string& queue, const QdiscConfig& qdisc) {
  QueueConfig config;
  if (auto info = log.state.queue(queue)) config = info->config;
  config.qdisc = qdisc;
  return log.one(QueueConfigureOp{queue, config});
}

WorkerCredit worker(std::uint32_t free) {
  WorkerCredit w;
  w.node = "node-a";
  w.worker = "w1";
  w.queues = {"*"};
  w.free = free;
  return w;
}

// Plans with `free` slots at log.now, applies the lease op and completes
// every granted job at once; the ids in lease order.
std::vector<JobId> dispatch(Log& log, std::uint32_t free) {
  std::vector<WorkerCredit> workers{worker(free)};
  std::vector<LeaseGrant> grants = plan_leases(log.state, workers, {}, log.now, free);
  if (grants.empty()) return {};
  ApplyResult r = log.step(LeaseOp{grants});
  std::vector<JobId> ids;
  CompleteOp done;
  for (std::size_t i = 0; i < grants.size(); ++i) {
    REQUIRE(r.statuses[i].ok());
    ids.push_back(grants[i].id);
    const Job* job = log.state.find(grants[i].id);
    done.completions.push_back(
        Completion{job->id, job->lease_term, job->attempts, Outcome::succeeded, 0, "", "", 0, 0});
  }
  log.step(done);
  return ids;
}

std::set<JobId> as_set(const std::vector<JobId>& ids) {
  return {ids.begin(), ids.end()};
}

}  // namespace

TEST_CASE("the default discipline keeps the old order: priority, released first, then FIFO",
          "[state][qdisc]") {
  Log log;
  log.step(EnqueueOp{{make_job(1, "q", 0), make_job(2, "q", 5), make_job(3, "q", 0),
                      make_job(4, "q", 5), make_job(5, "q", 0), make_job(6, "q", -1)}});
  REQUIRE(log.state.queue("q")->config.qdisc == QdiscConfig{});
  REQUIRE(log.state.qdisc("q")->kind() == QdiscKind::priority);
  // Lease 3 and 5, then release them: back to the head of priority 0, the
  // latest release first.
  REQUIRE(log.lease(3).ok());
  REQUIRE(log.lease(5).ok());
  REQUIRE(log.one(ReleaseOp{{3}, false, "back"}).ok());
  REQUIRE(log.one(ReleaseOp{{5}, false, "back"}).ok());
  CHECK(ready_order(log.state, "q") == std::vector<JobId>{2, 4, 5, 3, 1, 6});
}

TEST_CASE("sfq: a flow of 10 jobs is done within the first 20 leases beside a flow of 10,000",
          "[state][qdisc]") {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"q", QueueConfig{false, {}, 1000, 0, sfq()}}).ok());
  EnqueueOp op;
  for (JobId id = 1; id <= 10'000; ++id) op.jobs.push_back(flow_job(id, "q", "A"));
  for (JobId id = 10'001; id <= 10'010; ++id) op.jobs.push_back(flow_job(id, "q", "B"));
  log.step(op);
  std::vector<JobId> order;
  for (int i = 0; i < 20; ++i) {
    std::vector<JobId> ids = dispatch(log, 1);
    REQUIRE(ids.size() == 1);
    order.push_back(ids[0]);
    log.now += 10;
  }
  int b_done = 0;
  for (JobId id : order) b_done += id > 10'000 ? 1 : 0;
  CHECK(b_done == 10);
  CHECK(log.state.qdisc("q")->size() == 10'000 - 10);
}

TEST_CASE("sfq: a plan of many slots at once interleaves the flows", "[state][qdisc]") {
  Log log;
  REQUIRE(set_qdisc(log, "q", sfq()).ok());
  EnqueueOp op;
  for (JobId id = 1; id <= 100; ++id) op.jobs.push_back(flow_job(id, "q", "A"));
  for (JobId id = 101; id <= 103; ++id) op.jobs.push_back(flow_job(id, "q", "B"));
  log.step(op);
  std::vector<JobId> ids = dispatch(log, 6);
  CHECK(ids == std::vector<JobId>{1, 101, 2, 102, 3, 103});
}

TEST_CASE("htb: a 10/s leaf gets 10/s +- 1 beside a busy sibling and borrows to its ceiling alone",
          "[state][qdisc]") {
  Log log;
  REQUIRE(set_qdisc(log, "q", htb_ab()).ok());
  EnqueueOp op;
  JobId id = 1;
  for (int i = 0; i < 3000; ++i) op.jobs.push_back(flow_job(id++, "q", "a"));
  for (int i = 0; i < 3000; ++i) op.jobs.push_back(flow_job(id++, "q", "b"));
  log.step(op);
  auto run_for = [&](TimeMs ms) {
    std::map<std::string, int> leased;
    for (TimeMs end = log.now + ms; log.now < end; log.now += 10) {
      for (JobId leased_id : dispatch(log, 100)) ++leased[log.state.find(leased_id)->flow];
    }
    return leased;
  };
  std::map<std::string, int> both = run_for(60'000);
  CHECK(both["a"] >= 540);
  CHECK(both["a"] <= 660);
  CHECK(both["b"] >= 540);
  CHECK(both["b"] <= 660);

  // b runs dry: a borrows b's unused rate up to its ceiling of 20/s.
  std::vector<JobId> b_left;
  for (const Job* job : log.state.list({"q", JobState::queued, 0, 10'000}).jobs)
    if (job->flow == "b") b_left.push_back(job->id);
  log.step(DeleteOp{b_left});
  std::map<std::string, int> alone = run_for(60'000);
  CHECK(alone["b"] == 0);
  CHECK(alone["a"] >= 1140);
  CHECK(alone["a"] <= 1260);
}

TEST_CASE("htb: next_deadline wakes the master when a held-back class may go again",
          "[state][qdisc]") {
  Log log;
  QdiscConfig c;
  c.kind = QdiscKind::htb;
  c.classes = {{"only", "", 2'000, 2'000, 1, 1}};  // 2 jobs/s: one every 500 ms
  c.default_class = "only";
  REQUIRE(set_qdisc(log, "q", c).ok());
  log.step(EnqueueOp{{make_job(1, "q"), make_job(2, "q")}});
  REQUIRE(dispatch(log, 10) == std::vector<JobId>{1});
  CHECK(dispatch(log, 10).empty());  // its bucket is empty now
  std::optional<TimeMs> wake = log.state.next_deadline(log.now);
  REQUIRE(wake);
  CHECK(*wake > log.now);
  CHECK(*wake <= log.now + 500);
  log.now = *wake;
  CHECK(dispatch(log, 10) == std::vector<JobId>{2});
}

TEST_CASE("switching fifo, sfq, htb, priority keeps every queued job and each one's order",
          "[state][qdisc]") {
  Log log;
  EnqueueOp op;
  for (JobId id = 1; id <= 12; ++id) {
    op.jobs.push_back(flow_job(id, "q", id % 3 == 0 ? "a" : "b", static_cast<int>(id % 4)));
  }
  log.step(op);
  std::set<JobId> all;
  for (JobId id = 1; id <= 12; ++id) all.insert(id);

  REQUIRE(set_qdisc(log, "q", fifo()).ok());
  CHECK(ready_order(log.state, "q") == std::vector<JobId>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});

  REQUIRE(set_qdisc(log, "q", sfq()).ok());
  std::vector<JobId> sfq_order = ready_order(log.state, "q");
  CHECK(as_set(sfq_order) == all);
  // Flows alternate while both hold jobs, FIFO within each: the flows join
  // in id order, so b (job 1) goes first.
  CHECK(std::vector<JobId>(sfq_order.begin(), sfq_order.begin() + 6) ==
        std::vector<JobId>{1, 3, 2, 6, 4, 9});

  REQUIRE(set_qdisc(log, "q", htb_ab()).ok());
  CHECK(log.state.qdisc("q")->size() == 12);
  // Buckets start full but the root's ceiling lets one job through at once;
  // the first of a leaf comes first.
  std::vector<JobId> shaped = ready_order(log.state, "q");
  REQUIRE_FALSE(shaped.empty());
  for (JobId first : shaped) CHECK((first == 1 || first == 3));

  REQUIRE(set_qdisc(log, "q", QdiscConfig{}).ok());
  CHECK(ready_order(log.state, "q") == std::vector<JobId>{3, 7, 11, 2, 6, 10, 1, 5, 9, 4, 8, 12});
  CHECK(log.state.queue("q")->counts.by_state[static_cast<int>(JobState::queued)] == 12);
}

TEST_CASE("an invalid discipline is refused and leaves the queue as it was", "[state][qdisc]") {
  Log log;
  REQUIRE(set_qdisc(log, "q", sfq(3)).ok());
  log.step(EnqueueOp{{make_job(1, "q")}});
  QdiscConfig broken;
  broken.kind = QdiscKind::htb;  // no classes
  Status s = set_qdisc(log, "q", broken);
  CHECK(s.code == ErrorCode::bad_request);
  CHECK(log.state.queue("q")->config.qdisc == sfq(3));
  CHECK(log.state.qdisc("q")->kind() == QdiscKind::sfq);
  CHECK(ready_order(log.state, "q") == std::vector<JobId>{1});
  QueueConfig create;
  create.qdisc = broken;
  CHECK(log.one(QueueCreateOp{"other", create}).code == ErrorCode::bad_request);
  CHECK_FALSE(log.state.queue("other"));
}

TEST_CASE("pausing a queue keeps its discipline and accounting", "[state][qdisc]") {
  Log log;
  REQUIRE(set_qdisc(log, "q", sfq()).ok());
  log.step(EnqueueOp{{flow_job(1, "q", "a"), flow_job(2, "q", "a"), flow_job(3, "q", "b")}});
  REQUIRE(dispatch(log, 1) == std::vector<JobId>{1});
  std::string accounting = log.state.qdisc("q")->encode_accounting();
  QueueConfig paused = log.state.queue("q")->config;
  paused.paused = true;
  REQUIRE(log.one(QueueConfigureOp{"q", paused}).ok());
  CHECK(log.state.qdisc("q")->encode_accounting() == accounting);
  CHECK(log.state.queue("q")->config.qdisc == sfq());
}

TEST_CASE("completions feed the service times from op timestamps", "[state][qdisc]") {
  Log log;
  log.step(EnqueueOp{{make_job(1), make_job(2), make_job(3)}});
  REQUIRE(log.lease(1).ok());
  log.now += 400;
  REQUIRE(log.complete(1, Outcome::succeeded).ok());
  REQUIRE(log.lease(2).ok());
  log.now += 200;
  REQUIRE(log.complete(2, Outcome::failed, "boom").ok());
  REQUIRE(log.lease(3).ok());
  log.now += 5000;
  REQUIRE(log.complete(3, Outcome::timed_out, "slow").ok());  // not a measure of the work
  const ServiceTimes& t = log.state.service_times();
  CHECK(t.all.samples == 2);
  REQUIRE(t.mean_ms("shell"));
  CHECK(*t.mean_ms("shell") == Approx(300.0));
}

TEST_CASE("the ETA of a queued job grows with its place in line", "[state][qdisc]") {
  Log log;
  EnqueueOp op;
  for (JobId id = 1; id <= 10; ++id) {
    op.jobs.push_back(make_job(id, "q"));
    op.jobs.back().payload = "sleep 1";  // one command: one service time
  }
  log.step(op);
  CHECK_FALSE(log.state.eta(5, log.now, 2));  // nothing measured yet
  REQUIRE(log.lease(1).ok());
  log.now += 1000;
  REQUIRE(log.complete(1, Outcome::succeeded).ok());
  CHECK_FALSE(log.state.eta(5, log.now, 0));  // no worker serves the queue
  std::optional<Eta> second = log.state.eta(2, log.now, 2);
  std::optional<Eta> tenth = log.state.eta(10, log.now, 2);
  REQUIRE(second);
  REQUIRE(tenth);
  CHECK(second->start == log.now);  // a free slot takes it at once
  CHECK(second->finish == log.now + 1000);
  // 8 jobs ahead, 2 free slots at 1 s a job: starts at 0, 0, 1, 1, 2, 2,
  // 3, 3, then the tenth's at 4 s.
  CHECK(tenth->start == log.now + 4000);
  CHECK_FALSE(log.state.eta(1, log.now, 2));  // finished

  // Running jobs count with what they have left: 2 and 3 have run 600 ms
  // of their 1 s, so the slots free in 400 ms, and six are ahead of the
  // tenth (4 to 9): starts at 0.4, 0.4, 1.4, 1.4, 2.4, 2.4, then 3.4 s.
  REQUIRE(log.lease(2).ok());
  REQUIRE(log.lease(3).ok());
  log.now += 600;
  tenth = log.state.eta(10, log.now, 2);
  REQUIRE(tenth);
  CHECK(tenth->start == log.now + 3400);

  // A paused queue starts nothing: no ETA rather than a wrong one.
  QueueConfig paused = log.state.queue("q")->config;
  paused.paused = true;
  REQUIRE(log.one(QueueConfigureOp{"q", paused}).ok());
  CHECK_FALSE(log.state.eta(10, log.now, 2));
  paused.paused = false;
  REQUIRE(log.one(QueueConfigureOp{"q", paused}).ok());

  Job later = make_job(11, "q");
  later.payload = "sleep 1";
  later.run_at = log.now + 60'000;
  log.step(EnqueueOp{{later}});
  std::optional<Eta> scheduled = log.state.eta(11, log.now, 2);
  REQUIRE(scheduled);
  CHECK(scheduled->start == log.now + 60'000);
}

TEST_CASE("the jobs ahead cost the queue's mean per job, not the running jobs' means",
          "[state][qdisc]") {
  // Four 100 ms jobs to one 3 s job: the queue's mix costs 680 ms a job.
  Log log;
  EnqueueOp op;
  for (JobId id = 1; id <= 15; ++id) {
    op.jobs.push_back(make_job(id, "q"));
    op.jobs.back().payload = id == 5 ? "sleep 3" : "sleep 0.1";
  }
  log.step(op);
  for (JobId id = 1; id <= 5; ++id) {
    REQUIRE(log.lease(id).ok());
    log.now += id == 5 ? 3000 : 100;
    REQUIRE(log.complete(id, Outcome::succeeded).ok());
  }
  REQUIRE(log.state.service_times().queue_mean_ms("q"));
  CHECK(*log.state.service_times().queue_mean_ms("q") == Approx(680.0));
  CHECK_FALSE(log.state.service_times().queue_mean_ms("other"));
  // 9 ahead of job 15 on 2 free slots: starts at 0, 0, 0.68, 0.68, ...,
  // its own after four rounds. (With the short command's own mean, 400 ms.)
  std::optional<Eta> last = log.state.eta(15, log.now, 2);
  REQUIRE(last);
  CHECK(last->start == log.now + 4 * 680);
  CHECK(last->finish == last->start + 100);
  // Each job counts once in the mean over every class.
  CHECK(log.state.service_times().all.samples == 5);
  // A snapshot carries the queue's mean (kept among the class keys).
  Result<State> restored = State::decode_snapshot(log.state.encode_snapshot());
  REQUIRE(restored.ok());
  CHECK(restored->service_times() == log.state.service_times());
  CHECK(restored->service_times().queue_mean_ms("q") == Approx(680.0));
}

TEST_CASE("a job keeps its ready_since across a release, promotion and retry restart it",
          "[state][qdisc]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  TimeMs enqueued = log.now;
  CHECK(log.state.find(1)->ready_since == enqueued);
  REQUIRE(log.lease(1).ok());
  log.now += 100;
  REQUIRE(log.one(ReleaseOp{{1}, false, "back"}).ok());
  CHECK(log.state.find(1)->ready_since == enqueued);
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.complete(1, Outcome::succeeded).ok());
  log.now += 100;
  REQUIRE(log.one(RetryOp{{1}}).ok());
  CHECK(log.state.find(1)->ready_since == log.now);
}

TEST_CASE("priority aging lets an old low-priority job overtake newer high ones",
          "[state][qdisc]") {
  Log log;
  QdiscConfig aging;
  aging.kind = QdiscKind::priority;
  aging.aging_ms = 1000;  // a second of waiting is worth one priority
  REQUIRE(set_qdisc(log, "q", aging).ok());
  REQUIRE(log.enqueue(make_job(1, "q", 0)).ok());
  log.now += 5000;
  REQUIRE(log.enqueue(make_job(2, "q", 3)).ok());
  CHECK(ready_order(log.state, "q", log.now) == std::vector<JobId>{1, 2});
}

TEST_CASE("a restored snapshot plans exactly as the original", "[state][qdisc][snapshot]") {
  Log log;
  REQUIRE(set_qdisc(log, "fair", sfq(2)).ok());
  REQUIRE(set_qdisc(log, "shaped", htb_ab()).ok());
  EnqueueOp op;
  JobId id = 1;
  for (int i = 0; i < 50; ++i) op.jobs.push_back(flow_job(id++, "fair", i % 5 ? "big" : "small"));
  for (int i = 0; i < 50; ++i) op.jobs.push_back(flow_job(id++, "shaped", i % 2 ? "a" : "b"));
  log.step(op);
  for (int i = 0; i < 7; ++i) {
    dispatch(log, 3);
    log.now += 37;
  }
  Result<State> restored = State::decode_snapshot(log.state.encode_snapshot());
  REQUIRE(restored.ok());
  CHECK(restored->service_times() == log.state.service_times());
  for (const char* q : {"fair", "shaped"}) {
    CHECK(restored->queue(q)->config.qdisc == log.state.queue(q)->config.qdisc);
    CHECK(restored->qdisc(q)->encode_accounting() == log.state.qdisc(q)->encode_accounting());
  }
  // From here on both plan and apply alike, op for op.
  Log copy;
  copy.state = std::move(*restored);
  copy.index = log.index;
  copy.now = log.now;
  for (int i = 0; i < 30; ++i) {
    log.now += 53;
    copy.now = log.now;
    std::vector<JobId> a = dispatch(log, 4);
    std::vector<JobId> b = dispatch(copy, 4);
    REQUIRE(a == b);
    REQUIRE(log.state.next_deadline(log.now) == copy.state.next_deadline(copy.now));
  }
}
