// Cron end to end against a real standalone node: entries added with
// desasterctl fire jobs, pause stops them, remove removes them; bad input is
// refused naming the field; and a node stopped across three instants follows
// each entry's --missed policy when it starts again.
#include <chrono>
#include <ctime>
#include <set>
#include <thread>

#include "core/model/job_id.hpp"
#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;

namespace {

CommandResult ctl(const RunningNode& n, std::vector<std::string> args) {
  args.insert(args.begin(), {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port)});
  return run_command(args);
}

CronEntry show(RunningNode& n, const std::string& name) {
  protocol::CronCommand c;
  c.action = protocol::CronAction::show;
  c.name = name;
  auto reply = n.client->cron(c);
  INFO(reply.status().message);
  REQUIRE(reply.ok());
  REQUIRE(reply->entries.size() == 1);
  return reply->entries[0].entry;
}

std::size_t fired(const CronEntry& e) {
  std::size_t count = 0;
  for (const CronRun& run : e.runs) count += run.kind == CronRunKind::fired ? 1 : 0;
  return count;
}

TimeMs now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("an every-second cron entry fires jobs, pause stops it, remove removes it",
          "[integration][cron]") {
  RunningNode n;
  CommandResult added =
      ctl(n, {"cron", "add", "tick", "* * * * * *", "--queue", "crontest", "--", "true"});
  INFO(added.err);
  REQUIRE(added.exit_status == 0);
  CHECK(added.out.find("next runs:") != std::string::npos);

  REQUIRE(wait_until([&] { return fired(show(n, "tick")) >= 3; }, std::chrono::seconds(20)));
  CronEntry e = show(n, "tick");
  std::set<TimeMs> instants;
  for (const CronRun& run : e.runs) {
    if (run.kind != CronRunKind::fired) continue;
    CHECK(run.instant % 1000 == 0);
    CHECK(instants.insert(run.instant).second);
    Job job = n.get(run.job);
    CHECK(job.queue == "crontest");
    CHECK(job.unique_key == "cron:tick@" + std::to_string(run.instant));
  }
  Job first = n.wait_final(e.runs.front().job);
  CHECK(first.state == JobState::succeeded);
  CommandResult shown = ctl(n, {"cron", "show", "tick"});
  CHECK(shown.out.find(format_job_id(e.runs.back().job)) != std::string::npos);

  // The job names its entry and instant, and a search finds the entry's jobs.
  const CronRun& last = e.runs.back();
  CommandResult detail = ctl(n, {"job", format_job_id(last.job)});
  std::time_t secs = static_cast<std::time_t>(last.instant / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char iso[32];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
  CHECK(detail.out.find(std::string("cron           tick at ") + iso) != std::string::npos);
  CommandResult json = ctl(n, {"job", format_job_id(last.job), "--json"});
  CHECK(json.out.find("\"cron\":{\"name\":\"tick\",\"instant\":" + std::to_string(last.instant)) !=
        std::string::npos);
  CommandResult found = ctl(n, {"jobs", "--search", "cron:tick", "--limit", "1000"});
  CHECK(found.out.find(format_job_id(last.job)) != std::string::npos);
  CHECK(ctl(n, {"jobs", "--search", "cron:nosuch"}).out.find(format_job_id(last.job)) ==
        std::string::npos);
  // No client may make a job look like a cron entry's.
  CommandResult forged =
      ctl(n, {"enqueue", "--unique", "cron:tick@1000", "--queue", "crontest", "--", "true"});
  CHECK(forged.exit_status != 0);
  CHECK(forged.err.find("reserved for cron") != std::string::npos);

  REQUIRE(ctl(n, {"cron", "pause", "tick"}).exit_status == 0);
  // The entry keeps its last kCronRunsKept runs, so progress is the newest
  // run's instant, not the count.
  auto newest = [&] { return show(n, "tick").runs.back().instant; };
  const TimeMs at_pause = newest();
  // Three seconds of a paused every-second entry: nothing is decided.
  CHECK_FALSE(wait_until([&] { return newest() > at_pause; }, std::chrono::seconds(3)));
  CHECK(ctl(n, {"cron", "list"}).out.find("paused") != std::string::npos);

  const TimeMs resumed = now_ms();
  REQUIRE(ctl(n, {"cron", "resume", "tick"}).exit_status == 0);
  REQUIRE(wait_until([&] { return newest() > at_pause; }, std::chrono::seconds(10)));
  // What passed while paused is not fired afterwards.
  for (const CronRun& r : show(n, "tick").runs) {
    if (r.instant > at_pause) CHECK(r.instant >= resumed - 1000);
  }

  CommandResult run = ctl(n, {"cron", "run", "tick"});
  REQUIRE(run.exit_status == 0);
  auto manual = parse_job_id(run.out.substr(0, 16));
  REQUIRE(manual);
  CHECK(n.get(*manual).unique_key.find("/run") != std::string::npos);

  REQUIRE(ctl(n, {"cron", "remove", "tick"}).exit_status == 0);
  CommandResult gone = ctl(n, {"cron", "show", "tick"});
  CHECK(gone.exit_status == 1);
  CHECK(gone.err.find("no cron entry 'tick'") != std::string::npos);
  CHECK(ctl(n, {"cron", "list"}).out == "no cron entries\n");
}

TEST_CASE("bad cron entries are refused naming what is wrong", "[integration][cron]") {
  RunningNode n;
  CommandResult minute = ctl(n, {"cron", "add", "x", "61 * * * *", "--", "true"});
  CHECK(minute.exit_status == 1);
  CHECK(minute.err.find("minute field '61': out of range 0-59") != std::string::npos);
  CommandResult zone = ctl(n, {"cron", "add", "x", "@daily", "--tz", "Mars/Base", "--", "true"});
  CHECK(zone.exit_status == 1);
  CHECK(zone.err.find("time zone 'Mars/Base': not in the tz database") != std::string::npos);
  CommandResult policy = ctl(n, {"cron", "add", "x", "@daily", "--missed", "twice", "--", "true"});
  CHECK(policy.exit_status == 2);
  CHECK(policy.err.find("--missed: 'twice'") != std::string::npos);
  REQUIRE(ctl(n, {"cron", "add", "x", "@daily", "--", "true"}).exit_status == 0);
  CommandResult twice = ctl(n, {"cron", "add", "x", "@daily", "--", "true"});
  CHECK(twice.exit_status == 1);
  CHECK(twice.err.find("exists") != std::string::npos);
}

TEST_CASE("a node stopped across three instants fires once one, skip none, all three",
          "[integration][cron]") {
  constexpr TimeMs kPeriod = 3000;
  RunningNode n;
  for (const char* policy : {"once", "skip", "all"}) {
    REQUIRE(ctl(n, {"cron", "add", policy, "@every 3s", "--missed", policy, "--queue", "cron", "--",
                    "true"})
                .exit_status == 0);
  }
  // Stop right after an instant has fired for every entry.
  TimeMs last = 0;
  REQUIRE(wait_until(
      [&] {
        TimeMs newest[3];
        int i = 0;
        for (const char* policy : {"once", "skip", "all"}) {
          CronEntry e = show(n, policy);
          newest[i++] = fired(e) > 0 ? e.runs.back().instant : 0;
        }
        if (newest[0] == 0 || newest[0] != newest[1] || newest[1] != newest[2]) return false;
        last = newest[0];
        return true;
      },
      std::chrono::seconds(20)));
  n.client.reset();
  REQUIRE(n.node.terminate() == 0);
  REQUIRE(now_ms() < last + kPeriod);  // stopped before the next instant
  // The node stays down across three instants; it starts 1.2 s after the
  // third, so each is late when it plans, and long before a fourth.
  std::this_thread::sleep_until(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(last + 3 * kPeriod + 1200)));
  n.restart();
  const std::set<TimeMs> gap{last + kPeriod, last + 2 * kPeriod, last + 3 * kPeriod};
  auto gap_runs = [&](const CronEntry& e, CronRunKind kind) {
    std::set<TimeMs> out;
    for (const CronRun& run : e.runs) {
      if (gap.count(run.instant) > 0 && run.kind == kind) out.insert(run.instant);
    }
    return out;
  };
  // Wait until each entry has decided the instants of the outage.
  REQUIRE(wait_until(
      [&] {
        for (const char* policy : {"once", "skip", "all"}) {
          if (show(n, policy).last_instant < last + 3 * kPeriod) return false;
        }
        return true;
      },
      std::chrono::seconds(10)));
  CronEntry once = show(n, "once");
  CronEntry skip = show(n, "skip");
  CronEntry all = show(n, "all");
  CHECK(gap_runs(once, CronRunKind::fired) == std::set<TimeMs>{last + 3 * kPeriod});
  CHECK(gap_runs(skip, CronRunKind::fired).empty());
  CHECK(gap_runs(skip, CronRunKind::skipped_missed) == std::set<TimeMs>{last + 3 * kPeriod});
  CHECK(gap_runs(all, CronRunKind::fired) == gap);
  // Each fired instant is one job, keyed by it.
  for (const CronRun& run : all.runs) {
    if (run.kind != CronRunKind::fired) continue;
    CHECK(n.get(run.job).unique_key == "cron:all@" + std::to_string(run.instant));
  }
}
