// Properties every discipline keeps: plan() is pure and agrees with applying
// its own plan; skipped jobs are not charged; accounting survives a
// snapshot; switching disciplines loses no job.
#include <catch2/catch.hpp>
#include <chrono>
#include <set>

#include "tests/unit/qdisc_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

QdiscConfig config_of(QdiscKind kind) {
  if (kind == QdiscKind::htb) {
    // Bursts of 50 jobs, so that one instant can dispatch a batch.
    QdiscConfig c = two_leaf_htb(100, 40, 80, 40, 100);
    for (HtbClass& k : c.classes) k.burst = k.cburst = 50;
    return c;
  }
  QdiscConfig c = qconfig(kind);
  if (kind == QdiscKind::priority) c.aging_ms = 50;
  if (kind == QdiscKind::sfq) c.quantum = 2;
  return c;
}

// A mixed workload: five flows of uneven sizes, priorities, ready times and a
// few released jobs; ids are not inserted in order.
std::vector<QdiscEntry> workload(std::size_t n) {
  std::vector<QdiscEntry> out;
  for (std::size_t i = 0; i < n; ++i) {
    JobId id = (i * 7919) % n + 1;
    std::string flow = id % 3 == 0 ? "a" : "flow-" + std::to_string(id % 5);
    out.push_back(qentry(id, flow, static_cast<std::int32_t>(id % 4), static_cast<TimeMs>(id * 3),
                         id % 11 == 0 ? id : 0));
  }
  return out;
}

const QdiscKind kKinds[] = {QdiscKind::fifo, QdiscKind::priority, QdiscKind::sfq, QdiscKind::htb};

}  // namespace

TEST_CASE("plan is pure: two calls give the same answer and change nothing", "[qdisc]") {
  for (QdiscKind kind : kKinds) {
    INFO(to_string(kind));
    auto q = make(config_of(kind));
    insert_all(*q, workload(300));
    REQUIRE(drain(*q, 1000, 17).size() == 17);
    std::string accounting = q->encode_accounting();
    std::vector<JobId> first = q->plan(2000, 100);
    CHECK(first.size() >= 40);
    CHECK(q->plan(2000, 100) == first);
    CHECK(q->encode_accounting() == accounting);
    CHECK(q->size() == 300 - 17);
  }
}

TEST_CASE("plan agrees with a sequence of on_dispatched and erase", "[qdisc]") {
  for (QdiscKind kind : kKinds) {
    INFO(to_string(kind));
    auto q = make(config_of(kind));
    insert_all(*q, workload(500));
    for (TimeMs now : {TimeMs{0}, TimeMs{5}, TimeMs{700}, TimeMs{10'000}}) {
      std::vector<JobId> planned = q->plan(now, 60);
      REQUIRE_FALSE(planned.empty());
      CHECK(drain(*q, now, planned.size()) == planned);
    }
  }
}

TEST_CASE("a job passed over in planning is not charged and is offered again", "[qdisc]") {
  for (QdiscKind kind : kKinds) {
    INFO(to_string(kind));
    auto q = make(config_of(kind));
    insert_all(*q, workload(100));
    std::vector<JobId> plain = q->plan(0, 5);
    std::vector<JobId> taken;
    q->visit_plan(0, [&](JobId id) {
      if (id == plain[0]) return PlanStep::skip;
      taken.push_back(id);
      return taken.size() < 4 ? PlanStep::take : PlanStep::stop;
    });
    CHECK(std::find(taken.begin(), taken.end(), plain[0]) == taken.end());
    CHECK(taken.size() == 4);
    CHECK(q->plan(0, 1) == std::vector<JobId>{plain[0]});  // nothing was changed
  }
}

TEST_CASE("a discipline restored from its accounting plans exactly as the original", "[qdisc]") {
  for (QdiscKind kind : kKinds) {
    INFO(to_string(kind));
    auto original = make(config_of(kind));
    std::vector<QdiscEntry> entries = workload(400);
    insert_all(*original, entries);
    drain(*original, 100, 33);
    drain(*original, 250, 7);

    // As a State would restore: a fresh discipline, the remaining entries by
    // id, then the accounting.
    auto restored = make(config_of(kind));
    for (const QdiscEntry& e : original->entries_by_id()) REQUIRE(restored->insert(e).ok());
    Status s = restored->decode_accounting(original->encode_accounting());
    REQUIRE(s.ok());
    CHECK(restored->encode_accounting() == original->encode_accounting());
    for (TimeMs now : {TimeMs{250}, TimeMs{400}, TimeMs{5000}}) {
      CHECK(drain(*restored, now, 40) == drain(*original, now, 40));
    }
  }
}

TEST_CASE("switching fifo to sfq to htb to fifo keeps every job", "[qdisc]") {
  std::vector<QdiscEntry> entries = workload(1000);
  auto q = make(qconfig(QdiscKind::fifo));
  insert_all(*q, entries);
  drain(*q, 0, 10);
  for (QdiscKind kind : {QdiscKind::sfq, QdiscKind::htb, QdiscKind::fifo}) {
    INFO(to_string(kind));
    std::vector<QdiscEntry> held = q->entries_by_id();
    Result<std::unique_ptr<Qdisc>> next = switch_qdisc(*q, config_of(kind), "q");
    REQUIRE(next.ok());
    CHECK((*next)->kind() == kind);
    CHECK((*next)->entries_by_id() == held);
    q = std::move(*next);
    drain(*q, 0, 10);
  }
  CHECK(q->size() == 1000 - 40);
  // Everything left still comes out.
  std::vector<JobId> rest = drain(*q, 0, 2000);
  CHECK(rest.size() == 960);
  CHECK(std::set<JobId>(rest.begin(), rest.end()).size() == 960);
}

TEST_CASE("switching to an invalid configuration is refused and keeps the old discipline",
          "[qdisc]") {
  auto q = make(qconfig(QdiscKind::fifo));
  insert_all(*q, {qentry(1)});
  QdiscConfig bad = qconfig(QdiscKind::htb);  // no classes
  Result<std::unique_ptr<Qdisc>> next = switch_qdisc(*q, bad);
  REQUIRE_FALSE(next.ok());
  CHECK(next.status().code == ErrorCode::bad_request);
  CHECK(q->size() == 1);
}

TEST_CASE("planning and erasing cost O(log n) per job in a queue of a million", "[qdisc][.bench]") {
  for (QdiscKind kind : kKinds) {
    QdiscConfig config = config_of(kind);
    for (HtbClass& c : config.classes) {  // unthrottled: measure the structure, not the rate
      c.rate_milli = c.ceil_milli = kMaxRateMilli;
      c.burst = c.cburst = kMaxBurst;
    }
    auto q = make(config);
    auto start = std::chrono::steady_clock::now();
    for (JobId id = 1; id <= 1'000'000; ++id)
      REQUIRE(q->insert(qentry(id, "flow-" + std::to_string(id % 1000))).ok());
    auto inserted = std::chrono::steady_clock::now();
    std::size_t n = drain(*q, 0, 10'000).size();
    auto drained = std::chrono::steady_clock::now();
    using us = std::chrono::microseconds;
    WARN(to_string(kind) << ": insert "
                         << std::chrono::duration_cast<us>(inserted - start).count() / 1e6
                         << " us/job, plan+dispatch+erase "
                         << std::chrono::duration_cast<us>(drained - inserted).count() / double(n)
                         << " us/job (" << n << " jobs)");
  }
}
