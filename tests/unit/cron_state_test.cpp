// Cron entries in the replicated state: the ops' effects, a fire never
// making two jobs, the overlap policy, the codec and the snapshot; and the
// leader's plan (missed-instant policies, starting deadline) over a fake clock.
#include <catch2/catch.hpp>

#include "core/cron/cron_plan.hpp"
#include "core/state/op_codec.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

CronEntry entry(std::string name, std::string schedule = "@every 10s") {
  CronEntry e;
  e.name = std::move(name);
  e.schedule = std::move(schedule);
  e.job = make_job(0, "reports");
  return e;
}

TimeMs aligned(TimeMs t, TimeMs period) {
  return (t / period + 1) * period;
}

}  // namespace

TEST_CASE("a fired instant makes one job keyed by entry and instant, and never a second",
          "[cron][state]") {
  Log log;
  REQUIRE(log.one(CronAddOp{entry("nightly")}).ok());
  const CronEntry* e = log.state.cron_entry("nightly");
  REQUIRE(e != nullptr);
  CHECK(e->created_at == kT0);
  CHECK(e->last_instant == kT0);
  const TimeMs instant = kT0 + 5'000;
  REQUIRE(log.one(CronFireOp{"nightly", instant, CronRunKind::fired, 101}).ok());
  const Job* job = log.state.find(101);
  REQUIRE(job != nullptr);
  CHECK(job->queue == "reports");
  CHECK(job->unique_key == "cron:nightly@" + std::to_string(instant));
  // The same instant again (a new leader re-proposing it), with another id.
  Status again = log.one(CronFireOp{"nightly", instant, CronRunKind::fired, 102});
  CHECK(again.code == ErrorCode::conflict);
  CHECK(log.state.find(102) == nullptr);
  // An older instant too.
  CHECK(log.one(CronFireOp{"nightly", instant - 1, CronRunKind::fired, 103}).code ==
        ErrorCode::conflict);
  e = log.state.cron_entry("nightly");
  REQUIRE(e->runs.size() == 1);
  CHECK(e->runs[0].job == 101);
  CHECK(e->runs[0].instant == instant);
  CHECK(e->last_instant == instant);
}

TEST_CASE("cron add refuses a taken name, remove and pause need the entry", "[cron][state]") {
  Log log;
  REQUIRE(log.one(CronAddOp{entry("a")}).ok());
  CHECK(log.one(CronAddOp{entry("a")}).code == ErrorCode::conflict);
  CHECK(log.one(CronAddOp{entry("bad name")}).code == ErrorCode::bad_request);
  CHECK(log.one(CronPauseOp{"missing", true}).code == ErrorCode::not_found);
  CHECK(log.one(CronRemoveOp{"missing"}).code == ErrorCode::not_found);
  CHECK(log.one(CronFireOp{"missing", kT0 + 1, CronRunKind::fired, 5}).code ==
        ErrorCode::not_found);
  REQUIRE(log.one(CronPauseOp{"a", true}).ok());
  CHECK(log.state.cron_entry("a")->paused);
  // Resuming counts what passed meanwhile as decided.
  log.now = kT0 + 60'000;
  REQUIRE(log.one(CronPauseOp{"a", false}).ok());
  CHECK_FALSE(log.state.cron_entry("a")->paused);
  CHECK(log.state.cron_entry("a")->last_instant == kT0 + 60'000);
  REQUIRE(log.one(CronRemoveOp{"a"}).ok());
  CHECK(log.state.cron_entry("a") == nullptr);
  CHECK(log.state.cron_entries().empty());
}

TEST_CASE("overlap forbid skips a fire while the previous job lives", "[cron][state]") {
  Log log;
  CronEntry e = entry("sync");
  e.overlap = CronOverlap::forbid;
  REQUIRE(log.one(CronAddOp{e}).ok());
  REQUIRE(log.one(CronFireOp{"sync", kT0 + 10'000, CronRunKind::fired, 11}).ok());
  REQUIRE(log.one(CronFireOp{"sync", kT0 + 20'000, CronRunKind::fired, 12}).ok());
  CHECK(log.state.find(12) == nullptr);
  const CronEntry* got = log.state.cron_entry("sync");
  REQUIRE(got->runs.size() == 2);
  CHECK(got->runs[1].kind == CronRunKind::skipped_overlap);
  CHECK(got->last_instant == kT0 + 20'000);
  // Once the job has finished, the next instant fires.
  REQUIRE(log.lease(11).ok());
  REQUIRE(log.complete(11, Outcome::succeeded).ok());
  REQUIRE(log.one(CronFireOp{"sync", kT0 + 30'000, CronRunKind::fired, 13}).ok());
  CHECK(log.state.find(13) != nullptr);
}

TEST_CASE("a manual run makes a job without deciding an instant", "[cron][state]") {
  Log log;
  REQUIRE(log.one(CronAddOp{entry("x")}).ok());
  REQUIRE(log.one(CronFireOp{"x", kT0 + 100, CronRunKind::manual, 21}).ok());
  CHECK(log.state.find(21)->unique_key == "cron:x@" + std::to_string(kT0 + 100) + "/run");
  CHECK(log.state.cron_entry("x")->last_instant == kT0);
  // The scheduled instant at the same time still fires.
  REQUIRE(log.one(CronFireOp{"x", kT0 + 100, CronRunKind::fired, 22}).ok());
  CHECK(log.state.find(22) != nullptr);
}

TEST_CASE("the runs list keeps the last ten", "[cron][state]") {
  Log log;
  REQUIRE(log.one(CronAddOp{entry("many")}).ok());
  for (JobId i = 1; i <= 15; ++i) {
    REQUIRE(log.one(CronFireOp{"many", kT0 + static_cast<TimeMs>(i) * 1000,
                               CronRunKind::skipped_missed, 0})
                .ok());
  }
  const CronEntry* e = log.state.cron_entry("many");
  REQUIRE(e->runs.size() == kCronRunsKept);
  CHECK(e->runs.front().instant == kT0 + 6000);
  CHECK(e->runs.back().instant == kT0 + 15000);
}

TEST_CASE("cron ops survive the codec and entries survive a snapshot", "[cron][state][codec]") {
  CronEntry e = entry("codec", "0 3 * * mon-fri");
  e.zone = "Europe/Berlin";
  e.missed = CronMissed::all;
  e.overlap = CronOverlap::replace;
  e.starting_deadline_ms = 90'000;
  e.job.kind = JobKind::ruby;
  e.job.job_class = "Report";
  for (const Op& op :
       std::vector<Op>{CronAddOp{e}, CronRemoveOp{"codec"}, CronPauseOp{"codec", false},
                       CronFireOp{"codec", kT0, CronRunKind::manual, 77}}) {
    Result<Op> back = decode_op(encode_op(op));
    REQUIRE(back.ok());
    CHECK(encode_op(back.value()) == encode_op(op));
  }
  Log log;
  REQUIRE(log.one(CronAddOp{e}).ok());
  REQUIRE(log.one(CronFireOp{"codec", kT0 + 1000, CronRunKind::fired, 31}).ok());
  Result<State> restored = State::decode_snapshot(log.state.encode_snapshot());
  REQUIRE(restored.ok());
  const CronEntry* got = restored.value().cron_entry("codec");
  REQUIRE(got != nullptr);
  CHECK(got->zone == "Europe/Berlin");
  CHECK(got->missed == CronMissed::all);
  CHECK(got->overlap == CronOverlap::replace);
  CHECK(got->starting_deadline_ms == 90'000);
  CHECK(got->job.job_class == "Report");
  CHECK(got->last_instant == kT0 + 1000);
  REQUIRE(got->runs.size() == 1);
  CHECK(got->runs[0].job == 31);
  CHECK(restored.value().encode_snapshot() == log.state.encode_snapshot());
  // A malformed fire op names the field.
  Result<Op> bad = decode_op(std::string("\x96\x01\x1e\xa1x\x01\x09\x01", 8));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message.find("cron_fire.kind") != std::string::npos);
}

TEST_CASE("the plan fires on-time instants and applies the missed policy to late ones",
          "[cron][plan]") {
  Result<cron::Schedule> every = cron::parse_schedule("@every 10s", "");
  REQUIRE(every.ok());
  CronEntry e = entry("p");
  e.last_instant = aligned(kT0, 10'000);  // decided up to here
  const TimeMs first = e.last_instant + 10'000;

  SECTION("nothing before the next instant, then exactly it") {
    CHECK(cron::plan_entry(e, every.value(), first - 1).empty());
    auto d = cron::plan_entry(e, every.value(), first + 200);
    REQUIRE(d.size() == 1);
    CHECK(d[0].instant == first);
    CHECK(d[0].kind == CronRunKind::fired);
    CHECK(cron::entry_deadline(e, every.value()) == first);
  }
  // The cluster was down for three instants and comes back 200 ms after a fourth.
  const TimeMs back = first + 30'000 + 200;
  SECTION("skip records the newest missed instant and fires the on-time one") {
    e.missed = CronMissed::skip;
    auto d = cron::plan_entry(e, every.value(), back);
    REQUIRE(d.size() == 2);
    CHECK(d[0].instant == first + 20'000);
    CHECK(d[0].kind == CronRunKind::skipped_missed);
    CHECK(d[1].instant == first + 30'000);
    CHECK(d[1].kind == CronRunKind::fired);
  }
  SECTION("once fires only the newest missed instant") {
    e.missed = CronMissed::once;
    auto d = cron::plan_entry(e, every.value(), back);
    REQUIRE(d.size() == 2);
    CHECK(d[0].instant == first + 20'000);
    CHECK(d[0].kind == CronRunKind::fired);
    CHECK(d[1].instant == first + 30'000);
  }
  SECTION("all fires each missed instant") {
    e.missed = CronMissed::all;
    auto d = cron::plan_entry(e, every.value(), back);
    REQUIRE(d.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
      CHECK(d[i].instant == first + static_cast<TimeMs>(i) * 10'000);
      CHECK(d[i].kind == CronRunKind::fired);
    }
  }
  SECTION("the starting deadline drops missed instants older than it") {
    e.missed = CronMissed::all;
    e.starting_deadline_ms = 15'000;
    auto d = cron::plan_entry(e, every.value(), back);
    REQUIRE(d.size() == 3);
    CHECK(d[0].instant == first + 10'000);
    CHECK(d[0].kind == CronRunKind::skipped_missed);
    CHECK(d[1].instant == first + 20'000);
    CHECK(d[1].kind == CronRunKind::fired);
    e.missed = CronMissed::once;
    e.starting_deadline_ms = 5'000;
    d = cron::plan_entry(e, every.value(), back);
    REQUIRE(d.size() == 2);
    CHECK(d[0].kind == CronRunKind::skipped_missed);
    CHECK(d[1].kind == CronRunKind::fired);
  }
  SECTION("a paused entry plans nothing") {
    e.paused = true;
    CHECK(cron::plan_entry(e, every.value(), back).empty());
    CHECK_FALSE(cron::entry_deadline(e, every.value()));
  }
}

TEST_CASE("a version 4 snapshot, written before cron, loads with no entries",
          "[cron][state][snapshot]") {
  Log log;
  REQUIRE(log.enqueue(make_job(7)).ok());
  REQUIRE(log.one(CronAddOp{entry("later")}).ok());
  const std::string current = log.state.encode_snapshot();
  msgpack::object_handle handle = msgpack::unpack(current.data(), current.size());
  const msgpack::object_array& fields = handle.get().via.array;
  REQUIRE(fields.size == 15);
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(14);
  for (std::uint32_t i = 0; i < 14; ++i) {
    if (i == 1) {
      pk.pack(4);
    } else {
      pk.pack(fields.ptr[i]);
    }
  }
  Result<State> old = State::decode_snapshot(std::string_view(buffer.data(), buffer.size()));
  REQUIRE(old.ok());
  CHECK(old.value().cron_entries().empty());
  CHECK(old.value().find(7) != nullptr);
}
