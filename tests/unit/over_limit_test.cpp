// Limits judged from samples (workers/monitor/over_limit.hpp): marked on
// the first sample over, killed only when over again past the grace, and
// a shell job's usage is its whole process group's.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "tests/unit/journal_test_support.hpp"
#include "workers/monitor/over_limit.hpp"
#include "workers/monitor/process_group.hpp"
#include "workers/monitor/resource_sampler.hpp"

using namespace desaster;
using namespace desaster::monitor;

namespace {

constexpr std::uint64_t kMiB = 1024;  // in kB

Limits memory_and_cpu() {
  Limits limits;
  limits.memory_mb = 100;
  limits.cpu_percent = 50;
  limits.grace_ms = 5'000;
  return limits;
}

}  // namespace

TEST_CASE("a process under its limits is never marked", "[monitor][limits]") {
  LimitMark mark;
  LimitCheck check = judge_sample(memory_and_cpu(), mark, 49.0, 100 * kMiB, 1'000);
  CHECK(check.verdict == LimitVerdict::within);
  CHECK_FALSE(mark.set);
  CHECK(judge_sample(Limits{}, mark, 1000.0, 100'000 * kMiB, 2'000).verdict ==
        LimitVerdict::within);  // no limits at all
}

TEST_CASE("over a limit, a process is marked, then killed only when still over past the grace",
          "[monitor][limits]") {
  const Limits limits = memory_and_cpu();
  LimitMark mark;
  LimitCheck first = judge_sample(limits, mark, 10.0, 150 * kMiB, 1'000);
  CHECK(first.verdict == LimitVerdict::first_over);
  CHECK(first.kind == LimitKind::memory);
  CHECK(first.over == "150 MiB, limit 100 MiB");
  CHECK(mark.set);
  CHECK(mark.since == 1'000);
  CHECK(judge_sample(limits, mark, 10.0, 150 * kMiB, 5'999).verdict == LimitVerdict::still_over);
  CHECK(judge_sample(limits, mark, 10.0, 90 * kMiB, 7'000).verdict == LimitVerdict::under_again);
  CHECK(mark.set);  // the mark stays: the worker is still replaced after its job
  CHECK(judge_sample(limits, mark, 10.0, 150 * kMiB, 7'500).verdict == LimitVerdict::past_grace);
}

TEST_CASE("CPU over its limit is judged as memory is, and memory wins when both are over",
          "[monitor][limits]") {
  const Limits limits = memory_and_cpu();
  LimitMark cpu;
  LimitCheck check = judge_sample(limits, cpu, 180.4, 10 * kMiB, 0);
  CHECK(check.verdict == LimitVerdict::first_over);
  CHECK(check.kind == LimitKind::cpu);
  CHECK(check.over == "180 % CPU, limit 50 %");
  LimitMark both;
  CHECK(judge_sample(limits, both, 180.0, 500 * kMiB, 0).kind == LimitKind::memory);
  CHECK(std::string(limit_name(LimitKind::cpu)) == "CPU");
}

namespace {

// A fake /proc entry: stat with the given pgrp and ticks, status with VmRSS.
void fake_process(const std::string& root, int pid, int pgrp, int utime, int stime,
                  std::uint64_t rss_kb) {
  const std::string dir = root + "/" + std::to_string(pid);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/stat") << pid << " (sh) S 1 " << pgrp << " " << pgrp << " 0 -1 0 0 0 0 0 "
                               << utime << " " << stime << " 0 0 20 0 1 0 " << 1000 + pid
                               << " 0 0\n";
  std::ofstream(dir + "/status") << "Name:\tsh\nVmRSS:\t" << rss_kb << " kB\n";
}

}  // namespace

TEST_CASE("a process group's usage sums its members but the leader", "[monitor][limits]") {
  journal_test::TempDir proc;
  fake_process(proc.path(), 100, 100, 1, 1, 1'000);  // the job's leader (sh -c)
  fake_process(proc.path(), 101, 100, 30, 10, 200'000);
  fake_process(proc.path(), 102, 100, 5, 5, 50'000);
  fake_process(proc.path(), 200, 200, 99, 99, 999'999);        // another group
  std::filesystem::create_directories(proc.path() + "/self");  // not a pid: skipped
  std::filesystem::create_directories(proc.path() + "/300");   // gone: no stat
  std::ofstream(proc.path() + "/301") << "";                   // not even a directory

  auto usage = group_members_usage(proc.path(), {100});
  REQUIRE(usage.size() == 1);
  CHECK(usage.at(100).ticks == 50);
  CHECK(usage.at(100).rss_kb == 250'000);
  CHECK(group_members_usage(proc.path(), {}).empty());
  CHECK(group_members_usage(proc.path() + "/missing", {100}).empty());
}

TEST_CASE("the sampler reports a shell job's whole group", "[monitor][limits]") {
  journal_test::TempDir proc;
  std::ofstream(proc.path() + "/stat") << "cpu  1 0 1 10 0 0 0 0 0 0\n";
  fake_process(proc.path(), 100, 100, 1, 1, 1'000);
  fake_process(proc.path(), 101, 100, 30, 10, 200'000);
  ResourceSampler sampler(proc.path());
  Reading r = sampler.sample(1'000, {{100, "shell", "job", 7}, {101, "jobs", "worker", 0}});
  REQUIRE(r.workers.size() == 2);
  CHECK(r.workers[0].rss_kb == 201'000);  // the job: leader and member
  CHECK(r.workers[1].rss_kb == 200'000);  // a Ruby worker is only itself
}
