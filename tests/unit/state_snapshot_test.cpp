// State snapshots: a restored state is indistinguishable from the original,
// now and after any further ops; a damaged snapshot is refused.
#include <catch2/catch.hpp>
#include <random>

#include "core/state/lease_planner.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

constexpr TimeMs kFar = std::numeric_limits<TimeMs>::max();

// Everything State shows, compared field by field.
void require_same(const State& a, const State& b) {
  REQUIRE(a.applied_index() == b.applied_index());
  REQUIRE(a.applied_term() == b.applied_term());
  REQUIRE(a.max_job_id() == b.max_job_id());
  const Totals& ta = a.totals();
  const Totals& tb = b.totals();
  REQUIRE(ta.enqueued == tb.enqueued);
  REQUIRE(ta.succeeded == tb.succeeded);
  REQUIRE(ta.failed_attempts == tb.failed_attempts);
  REQUIRE(ta.dead == tb.dead);
  REQUIRE(ta.killed == tb.killed);
  REQUIRE(ta.duplicate_runs == tb.duplicate_runs);
  REQUIRE(ta.purged == tb.purged);

  std::vector<QueueInfo> qa = a.queues();
  std::vector<QueueInfo> qb = b.queues();
  REQUIRE(qa.size() == qb.size());
  for (std::size_t i = 0; i < qa.size(); ++i) {
    REQUIRE(qa[i].name == qb[i].name);
    REQUIRE(qa[i].explicit_create == qb[i].explicit_create);
    REQUIRE(qa[i].config.paused == qb[i].config.paused);
    REQUIRE(qa[i].config.retention_ms == qb[i].config.retention_ms);
    REQUIRE(qa[i].config.retry.max_attempts == qb[i].config.retry.max_attempts);
    REQUIRE(qa[i].config.retry.backoff_base_ms == qb[i].config.retry.backoff_base_ms);
    REQUIRE(qa[i].config.retry.backoff_max_ms == qb[i].config.retry.backoff_max_ms);
    for (std::size_t s = 0; s < 7; ++s) {
      REQUIRE(qa[i].counts.by_state[s] == qb[i].counts.by_state[s]);
    }
    REQUIRE(ready_order(a, qa[i].name) == ready_order(b, qb[i].name));
  }
  for (std::size_t s = 0; s < 7; ++s) REQUIRE(a.counts().by_state[s] == b.counts().by_state[s]);

  ListPage pa = a.list({"", std::nullopt, 0, 1'000'000});
  ListPage pb = b.list({"", std::nullopt, 0, 1'000'000});
  REQUIRE(pa.total == pb.total);
  REQUIRE(pa.jobs.size() == pb.jobs.size());
  for (std::size_t i = 0; i < pa.jobs.size(); ++i) {
    REQUIRE(job_bytes(*pa.jobs[i]) == job_bytes(*pb.jobs[i]));
  }

  REQUIRE(a.ready_queues() == b.ready_queues());
  REQUIRE(a.due_promotions(kFar, 1'000'000) == b.due_promotions(kFar, 1'000'000));
  REQUIRE(a.expired_leases(kFar, 1'000'000) == b.expired_leases(kFar, 1'000'000));
  REQUIRE(a.running_jobs() == b.running_jobs());
  REQUIRE(a.next_deadline() == b.next_deadline());
  if (a.next_deadline())
    REQUIRE(a.purge_due(*a.next_deadline()) == b.purge_due(*b.next_deadline()));
}

void require_same(const ApplyResult& a, const ApplyResult& b) {
  REQUIRE(a.statuses.size() == b.statuses.size());
  for (std::size_t i = 0; i < a.statuses.size(); ++i) {
    REQUIRE(a.statuses[i].code == b.statuses[i].code);
    REQUIRE(a.statuses[i].message == b.statuses[i].message);
  }
  REQUIRE(a.events.size() == b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    REQUIRE(a.events[i].id == b.events[i].id);
    REQUIRE(a.events[i].state == b.events[i].state);
    REQUIRE(a.events[i].removed == b.events[i].removed);
  }
}

State restore(const State& state) {
  Result<State> restored = State::decode_snapshot(state.encode_snapshot());
  REQUIRE(restored.ok());
  return std::move(restored.value());
}

// A state with every kind of job and queue in it.
void build_rich(Log& log) {
  QueueConfig short_lived;
  short_lived.retention_ms = 1000;
  short_lived.retry = {2, 100, 1000};
  REQUIRE(log.one(QueueCreateOp{"short", short_lived}).ok());
  QueueConfig paused;
  paused.paused = true;
  REQUIRE(log.one(QueueConfigureOp{"held", paused}).ok());
  EnqueueOp op;
  for (JobId id = 1; id <= 12; ++id) {
    Job job = make_job(id, id % 3 == 0 ? "short" : "default", static_cast<std::int32_t>(id % 2));
    if (id == 4) job.run_at = log.now + 5000;
    if (id == 5) job.unique_key = "only-one";
    if (id == 6) job.timeout_ms = 2000;
    op.jobs.push_back(job);
  }
  op.jobs.push_back(make_job(13, "held"));
  log.step(op);
  REQUIRE(log.lease(1, "w1", log.now + 3000).ok());
  REQUIRE(log.lease(2).ok());
  REQUIRE(log.lease(3).ok());
  REQUIRE(log.lease(5).ok());
  REQUIRE(log.lease(6, "w2", log.now + 2500).ok());
  REQUIRE(log.lease(7).ok());
  REQUIRE(log.lease(9).ok());
  REQUIRE(log.complete(3, Outcome::succeeded).ok());
  REQUIRE(log.complete(5, Outcome::failed, "boom").ok());
  REQUIRE(log.complete(9, Outcome::killed).ok());
  REQUIRE(log.one(ReleaseOp{{7}, false, ""}).ok());  // head of default
  REQUIRE(log.one(ReleaseOp{{2}, false, ""}).ok());  // head of default, before 7
  Completion stale{1, 0, 1, Outcome::succeeded, 0, "", "", 0, 0};
  log.step(CompleteOp{{stale}});
  log.now += 10;
}

}  // namespace

TEST_CASE("snapshot round trip keeps every job, queue, total and index", "[state][snapshot]") {
  Log log;
  build_rich(log);
  State restored = restore(log.state);
  require_same(log.state, restored);
  CHECK(restored.encode_snapshot() == log.state.encode_snapshot());
  CHECK(ready_order(restored, "default") == std::vector<JobId>{7, 11, 2, 8, 10});
}

TEST_CASE("snapshot round trip keeps dispatch order", "[state][snapshot]") {
  Log log;
  build_rich(log);
  State restored = restore(log.state);
  // Further releases must still go in front of the restored head jobs.
  Log other;  // the same log position, applied to the restored state
  other.term = log.term;
  other.index = log.index;
  other.now = log.now;
  other.state = std::move(restored);
  for (Log* l : {&log, &other}) {
    REQUIRE(l->lease(8).ok());
    REQUIRE(l->one(ReleaseOp{{8}, false, ""}).ok());
    REQUIRE(l->enqueue(make_job(20, "default", 1)).ok());
  }
  CHECK(ready_order(log.state, "default") == std::vector<JobId>{7, 11, 20, 8, 2, 10});
  CHECK(ready_order(other.state, "default") == ready_order(log.state, "default"));
  // And the planner takes turns from where the original left off.
  std::vector<WorkerCredit> wa{{"n", "w", {"*"}, {}, 3, 0, {}}};
  std::vector<WorkerCredit> wb = wa;
  auto ga = plan_leases(log.state, wa, {}, log.now, 10);
  auto gb = plan_leases(other.state, wb, {}, other.now, 10);
  REQUIRE(ga.size() == gb.size());
  for (std::size_t i = 0; i < ga.size(); ++i) CHECK(ga[i].id == gb[i].id);
}

TEST_CASE("a restored state behaves exactly like the original", "[state][snapshot]") {
  Log log;
  build_rich(log);
  State copy = restore(log.state);
  std::vector<Op> more{
      LeaseOp{{{7, 1, "n", "w", 0}, {11, 1, "n", "w", log.now + 100}}},
      CompleteOp{{{1, 1, 1, Outcome::timed_out, 1, "", "slow", 0, 0}}},
      ReleaseOp{{6}, true, "node lost"},
      PromoteOp{{4, 5}},
      RetryOp{{9, 5}},
      DeleteOp{{10, 2}},
      EnqueueOp{{make_job(30, "short"), make_job(31)}},
      QueueConfigureOp{"held", QueueConfig{}},
      LeaderStartOp{"node-b"},
      PurgeOp{},
      QueueClearOp{"held"},
      QueueDeleteOp{"short"},
  };
  for (const Op& op : more) {
    log.now += 700;
    if (std::holds_alternative<LeaderStartOp>(op)) ++log.term;
    ApplyResult a = log.apply(op);
    ApplyResult b = log.apply_to(copy, op);
    ++log.index;
    require_same(a, b);
    require_same(log.state, copy);
  }
}

namespace {

// Ops drawn at random but mostly meaningful: grants come from the planner,
// completions and releases name running jobs, ids come from what exists.
class RandomOps {
 public:
  explicit RandomOps(std::uint32_t seed) : rng_(seed) {}

  Op next(const Log& log) {
    const State& state = log.state;
    std::vector<JobId> ids;
    for (const Job* job : state.list({"", std::nullopt, 0, 1'000'000}).jobs) ids.push_back(job->id);
    auto pick = [&]() -> JobId { return ids.empty() ? 1 : ids[below(ids.size())]; };
    std::vector<JobId> running = state.running_jobs();
    switch (below(14)) {
      case 0:
      case 1:
      case 2: {
        EnqueueOp op;
        for (std::size_t i = 0, n = 1 + below(3); i < n; ++i) {
          Job job = make_job(++next_id_, queue_name(), static_cast<std::int32_t>(below(3)));
          if (below(4) == 0) job.run_at = log.now + static_cast<TimeMs>(below(3000));
          if (below(4) == 0) job.unique_key = "k" + std::to_string(below(4));
          if (below(3) == 0) job.timeout_ms = 1 + static_cast<std::uint32_t>(below(2000));
          job.retry.max_attempts = static_cast<std::uint32_t>(below(4));
          op.jobs.push_back(job);
        }
        return op;
      }
      case 3:
      case 4: {
        std::vector<WorkerCredit> workers{
            {"n", "w1", {"*"}, {}, static_cast<std::uint32_t>(below(4)), 100, {}},
            {"n", "w2", {"q0"}, {}, 2, 100, {}}};
        return LeaseOp{plan_leases(state, workers, {}, log.now, 5)};
      }
      case 5:
      case 6: {
        CompleteOp op;
        for (JobId id : running) {
          if (below(2) == 0) continue;
          const Job* job = state.find(id);
          bool stale = below(8) == 0;
          op.completions.push_back({id, stale ? job->lease_term + 1 : job->lease_term,
                                    job->attempts, static_cast<Outcome>(below(4)), 1, "o", "e", 1,
                                    2});
        }
        return op;
      }
      case 7:
        return ReleaseOp{running.empty() ? std::vector<JobId>{pick()} : running, below(2) == 0,
                         "r"};
      case 8:
        return PromoteOp{state.due_promotions(log.now, 10)};
      case 9:
        return below(2) ? Op{RetryOp{{pick(), pick()}}} : Op{DeleteOp{{pick()}}};
      case 10:
        return PurgeOp{};
      case 11: {
        QueueConfig config;
        config.paused = below(3) == 0;
        config.retention_ms = below(5000);
        config.retry.max_attempts = static_cast<std::uint32_t>(below(4));
        return QueueConfigureOp{queue_name(), config};
      }
      case 12:
        return below(3) == 0 ? Op{QueueDeleteOp{queue_name()}} : Op{QueueClearOp{queue_name()}};
      default:
        return LeaderStartOp{"n"};
    }
  }

 private:
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  std::string queue_name() { return "q" + std::to_string(below(3)); }

  std::mt19937 rng_;
  JobId next_id_ = 0;
};

}  // namespace

TEST_CASE("a state restored at any point follows the original through random ops",
          "[state][snapshot]") {
  Totals seen;  // over all seeds: which ops a seed draws depends on the compiler's
                // order of evaluating arguments, so one seed alone proves little
  for (std::uint32_t seed = 1; seed <= 12; ++seed) {
    INFO("seed " << seed);
    RandomOps ops(seed);
    Log log;
    std::optional<State> copy;
    for (int step = 0; step < 400; ++step) {
      if (step % 97 == 13) copy = restore(log.state);
      Op op = ops.next(log);
      log.now += 50 + static_cast<TimeMs>(step % 7) * 100;
      if (std::holds_alternative<LeaderStartOp>(op)) ++log.term;
      // Every op travels through the codec as it would through the journal.
      Result<Op> decoded = decode_op(encode_op(op));
      REQUIRE(decoded.ok());
      ApplyResult a = log.apply(*decoded);
      if (copy) {
        ApplyResult b = log.apply_to(*copy, op);
        require_same(a, b);
      }
      ++log.index;
      if (copy && step % 10 == 0) require_same(log.state, *copy);
    }
    REQUIRE(copy);
    require_same(log.state, *copy);
    CHECK(log.state.totals().enqueued > 50);
    seen.succeeded += log.state.totals().succeeded;
    seen.failed_attempts += log.state.totals().failed_attempts;
    seen.duplicate_runs += log.state.totals().duplicate_runs;
  }
  // The runs went through the interesting transitions, not just enqueues.
  CHECK(seen.succeeded > 0);
  CHECK(seen.failed_attempts > 0);
  CHECK(seen.duplicate_runs > 0);
}

// ---- malformed snapshots -------------------------------------------------------

namespace {

std::string snapshot_error(std::string_view bytes) {
  Result<State> r = State::decode_snapshot(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code == ErrorCode::corrupt);
  return r.status().message;
}

// A snapshot re-packed with one part replaced: `edit` gets the top-level
// field index and the original object, and returns false to copy it as is.
std::string edited(const std::string& snapshot,
                   const std::function<bool(std::size_t, const msgpack::object&, Packer&)>& edit) {
  msgpack::object_handle handle = msgpack::unpack(snapshot.data(), snapshot.size());
  const msgpack::object_array& fields = handle.get().via.array;
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  pk.pack_array(fields.size);
  for (std::uint32_t i = 0; i < fields.size; ++i) {
    if (!edit(i, fields.ptr[i], pk)) pk.pack(fields.ptr[i]);
  }
  return std::string(buffer.data(), buffer.size());
}

// Replaces the jobs (field 8) with the given [head_rank, job] pairs.
std::string with_jobs(const std::string& snapshot,
                      const std::vector<std::pair<std::uint64_t, Job>>& jobs) {
  return edited(snapshot, [&](std::size_t i, const msgpack::object&, Packer& pk) {
    if (i != 8) return false;
    pk.pack_array(static_cast<std::uint32_t>(jobs.size()));
    for (const auto& [rank, job] : jobs) {
      pk.pack_array(2);
      pk.pack(rank);
      pack_job(pk, job);
    }
    return true;
  });
}

}  // namespace

TEST_CASE("a snapshot with the wrong magic, version or shape is refused", "[state][snapshot]") {
  Log log;
  build_rich(log);
  std::string good = log.state.encode_snapshot();
  REQUIRE(State::decode_snapshot(good).ok());

  CHECK(snapshot_error("").find("empty") != std::string::npos);
  CHECK(snapshot_error(encode_op(PurgeOp{})).find("not a desaster state snapshot") !=
        std::string::npos);
  CHECK(snapshot_error(edited(good, [](std::size_t i, const msgpack::object&, Packer& pk) {
          if (i != 1) return false;
          pk.pack(6);
          return true;
        })) == "snapshot: version 6 is not supported (expected 5)");
  CHECK(snapshot_error(edited(good, [](std::size_t i, const msgpack::object&, Packer& pk) {
          if (i != 6) return false;
          pk.pack(std::string("totals"));
          return true;
        })) == "snapshot.totals: must be an array, not a string");
  CHECK(snapshot_error(good + "x").find("trailing") != std::string::npos);
  for (std::size_t n = 1; n < good.size(); n += 7) {
    CHECK_FALSE(State::decode_snapshot(std::string_view(good).substr(0, n)).ok());
  }
}

TEST_CASE("a snapshot whose jobs break an invariant is refused", "[state][snapshot]") {
  Log log;
  build_rich(log);
  std::string good = log.state.encode_snapshot();
  Job a = *log.state.find(8);   // queued in "default"
  Job b = *log.state.find(10);  // queued in "default"

  SECTION("ids out of order or repeated") {
    CHECK(snapshot_error(with_jobs(good, {{0, b}, {0, a}})).find("out of order") !=
          std::string::npos);
    CHECK(snapshot_error(with_jobs(good, {{0, a}, {0, a}})).find("out of order") !=
          std::string::npos);
  }
  SECTION("id 0 or above the recorded maximum") {
    Job zero = a;
    zero.id = 0;
    CHECK(snapshot_error(with_jobs(good, {{0, zero}})).find("id 0") != std::string::npos);
    Job high = a;
    high.id = 1000;
    CHECK(snapshot_error(with_jobs(good, {{0, high}})).find("maximum") != std::string::npos);
  }
  SECTION("a queue that is not listed") {
    Job lost = a;
    lost.queue = "nowhere";
    CHECK(snapshot_error(with_jobs(good, {{0, lost}})) ==
          "snapshot.jobs[0]: queue 'nowhere' is not listed");
  }
  SECTION("a head rank on a job that is not queued, or beyond the counter") {
    Job running = *log.state.find(1);
    CHECK(snapshot_error(with_jobs(good, {{1, running}})).find("head rank") != std::string::npos);
    CHECK(snapshot_error(with_jobs(good, {{1000, a}})).find("head rank") != std::string::npos);
  }
  SECTION("two live jobs holding one unique key") {
    a.unique_key = "same";
    b.unique_key = "same";
    CHECK(snapshot_error(with_jobs(good, {{0, a}, {0, b}})).find("unique key 'same'") !=
          std::string::npos);
    b.state = JobState::dead;  // a final job gave its key up
    CHECK(State::decode_snapshot(with_jobs(good, {{0, a}, {0, b}})).ok());
  }
  SECTION("a job with a field of the wrong type") {
    std::string bad = edited(good, [](std::size_t i, const msgpack::object& o, Packer& pk) {
      if (i != 8) return false;
      pk.pack_array(1);
      pk.pack_array(2);
      pk.pack(0);
      const msgpack::object_array& job = o.via.array.ptr[0].via.array.ptr[1].via.array;
      pk.pack_array(job.size);
      for (std::uint32_t f = 0; f < job.size; ++f) {
        if (f == 1) {
          pk.pack(17);
        } else {
          pk.pack(job.ptr[f]);
        }
      }
      return true;
    });
    CHECK(snapshot_error(bad) ==
          "snapshot.jobs[0].job.queue: must be binary or a string, not an integer");
  }
}

TEST_CASE("a snapshot with bad queues is refused", "[state][snapshot]") {
  Log log;
  build_rich(log);
  std::string good = log.state.encode_snapshot();
  const std::string no_accounting = (*make_qdisc(QdiscConfig{}))->encode_accounting();
  auto with_queues = [&](const std::vector<std::string>& names) {
    return edited(good, [&](std::size_t i, const msgpack::object&, Packer& pk) {
      if (i != 7) return false;
      pk.pack_array(static_cast<std::uint32_t>(names.size()));
      for (const std::string& name : names) {
        pk.pack_array(5);
        pk.pack(name);
        pk.pack(false);
        pk.pack(0);
        pk.pack_array(3);
        pk.pack(false);
        pk.pack_array(3);
        pk.pack(0);
        pk.pack(0);
        pk.pack(0);
        pk.pack(0);
        pk.pack_bin(static_cast<std::uint32_t>(no_accounting.size()));
        pk.pack_bin_body(no_accounting.data(), static_cast<std::uint32_t>(no_accounting.size()));
      }
      return true;
    });
  };
  CHECK(snapshot_error(with_queues({"default", "held", "short", "bad name"}))
            .find("has a character outside") != std::string::npos);
  CHECK(snapshot_error(with_queues({"short", "held", "default"})).find("out of order") !=
        std::string::npos);
  CHECK(snapshot_error(with_queues({"default", "default", "held", "short"}))
            .find("out of order or repeated") != std::string::npos);
  CHECK(State::decode_snapshot(with_queues({"a", "default", "held", "short"})).ok());
}

TEST_CASE("damaged snapshots never crash the decoder", "[state][snapshot]") {
  Log log;
  build_rich(log);
  std::string good = log.state.encode_snapshot();
  std::mt19937 rng(777);
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string damaged = good;
    for (int f = 0, n = 1 + static_cast<int>(rng() % 3); f < n; ++f) {
      damaged[rng() % damaged.size()] = static_cast<char>(rng() & 0xff);
    }
    Result<State> r = State::decode_snapshot(damaged);
    if (!r.ok()) {
      CHECK_FALSE(r.status().message.empty());
      ++refused;
    } else {
      // Whatever loads is consistent enough to work with.
      CHECK(r->counts().total() == r->list({}).total);
      r->apply(PurgeOp{}, {1, 1, kT0});
    }
  }
  CHECK(refused > 0);
}
