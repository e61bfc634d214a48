// Query benchmark (contrib/bench/query): builds a State of N jobs (default
// 1,000,000) through apply() of the ops a node would apply -- enqueues in
// batches of 1000, leases, completions with a mix of errors -- then times
// typical first-page queries and the failed-set groupings, and reports the
// memory per job (RSS growth / jobs). One JSON line per measurement.
//   query_bench [jobs] [repetitions]
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/model/job_id.hpp"
#include "core/model/shell_command.hpp"
#include "core/state/state.hpp"

using namespace desaster;
using Clock = std::chrono::steady_clock;

namespace {

constexpr TimeMs kStart = 1'790'000'000'000;  // 2026-09

std::uint64_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0;
  std::uint64_t resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

// A small deterministic generator, so every run builds the same state.
struct Rng {
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  std::uint64_t next() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

const char* const kErrors[] = {
    "Timeout after %llu ms",
    "KeyError: 'user_%llu'",
    "connect 10.0.%llu.7:5432 refused",
    "job %016llx: upstream returned 503",
    "segfault at 0x7ffe%llx in worker",
    "ActiveRecord::RecordNotFound: Couldn't find User with 'id'=%llu",
    "exit status %llu",
    "Net::ReadTimeout with #<TCPSocket:(closed)> after %llus",
};

std::string error_text(Rng& rng) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, kErrors[rng.below(std::size(kErrors))],
                static_cast<unsigned long long>(rng.below(100'000)));
  return std::string(buffer) + "\n  from app/jobs/worker.rb:" + std::to_string(rng.below(400));
}

struct Built {
  State state;
  std::uint64_t rss_delta = 0;
  double build_s = 0;
};

Built build(std::size_t n) {
  Built b;
  Rng rng;
  JobIdGenerator ids(7);
  std::uint64_t index = 0;
  TimeMs now = kStart;
  auto apply = [&](const Op& op) { b.state.apply(op, ApplyContext{1, ++index, now}); };
  const std::uint64_t before = rss_bytes();
  const auto t0 = Clock::now();
  std::vector<JobId> all;
  all.reserve(n);
  for (std::size_t done = 0; done < n;) {
    EnqueueOp op;
    for (std::size_t i = 0; i < 1000 && done < n; ++i, ++done) {
      Job job;
      job.id = ids.next(now);
      job.queue = "queue-" + std::to_string(rng.below(20));
      job.kind = JobKind::shell;
      job.job_class = "Class" + std::to_string(rng.below(50));
      ShellCommand command;
      command.argv = {"/usr/local/bin/report", "--customer", std::to_string(rng.below(5000)),
                      "--day", "2026-11-" + std::to_string(1 + rng.below(28))};
      job.payload = encode_shell_command(command);
      job.priority = static_cast<std::int32_t>(rng.below(5));
      // A tenth is scheduled; of the rest some run out of attempts at once.
      if (rng.below(10) == 0)
        job.run_at = now + 3'600'000 + static_cast<TimeMs>(rng.below(1'000'000));
      job.retry.max_attempts = rng.below(3) == 0 ? 1 : 3;
      op.jobs.push_back(std::move(job));
    }
    for (const Job& job : op.jobs) all.push_back(job.id);
    apply(op);
    now += 50;
  }
  // Lease 70% of the queued jobs; of those 5/7 succeed, 1/7 fail, 1/7 keep running.
  for (std::size_t start = 0; start < all.size(); start += 1000) {
    LeaseOp lease;
    CompleteOp complete;
    for (std::size_t i = start; i < std::min(all.size(), start + 1000); ++i) {
      const Job* job = b.state.find(all[i]);
      if (job->state != JobState::queued || rng.below(10) >= 7) continue;
      lease.grants.push_back(LeaseGrant{job->id, 1, "node-" + std::to_string(rng.below(3)),
                                        "w" + std::to_string(rng.below(16)), 0});
    }
    apply(lease);
    now += 20;
    for (const LeaseGrant& g : lease.grants) {
      std::uint64_t roll = rng.below(7);
      if (roll == 6) continue;
      Completion c;
      c.id = g.id;
      c.term = 1;
      c.attempt = 1;
      c.outcome = roll == 5 ? Outcome::failed : Outcome::succeeded;
      c.exit_status = roll == 5 ? 1 : 0;
      c.output_tail = "processed " + std::to_string(rng.below(10'000)) + " rows\n";
      if (roll == 5) c.error = error_text(rng);
      complete.completions.push_back(std::move(c));
    }
    apply(complete);
  }
  b.build_s = std::chrono::duration<double>(Clock::now() - t0).count();
  b.rss_delta = rss_bytes() - before;
  return b;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// CPU time of this thread: on a shared machine wall time also counts the
// time other processes held the CPU.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

void time_it(const char* name, int reps, const std::function<std::string()>& run) {
  std::vector<double> ms;
  std::vector<double> cpu;
  std::string detail;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    const double c0 = cpu_ms();
    detail = run();
    cpu.push_back(cpu_ms() - c0);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::printf(
      "{\"query\":\"%s\",\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"cpu_p50_ms\":%.3f,\"cpu_p99_ms\":%.3f,"
      "\"reps\":%d,%s}\n",
      name, percentile(ms, 0.5), percentile(ms, 0.99), percentile(cpu, 0.5), percentile(cpu, 0.99),
      reps, detail.c_str());
  std::fflush(stdout);
}

std::string page_detail(const ListPage& page) {
  return "\"rows\":" + std::to_string(page.jobs.size()) +
         ",\"total\":" + std::to_string(page.total) +
         ",\"total_exact\":" + (page.total_exact ? "true" : "false");
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 50;
  Built b = build(n);
  const State& state = b.state;
  StateCounts counts = state.counts();
  std::printf("{\"jobs\":%zu,\"build_s\":%.1f,\"rss_delta_bytes\":%llu,\"bytes_per_job\":%.0f", n,
              b.build_s, static_cast<unsigned long long>(b.rss_delta),
              static_cast<double>(b.rss_delta) / static_cast<double>(n));
  for (std::size_t s = 0; s < 7; ++s)
    std::printf(",\"%s\":%llu", to_string(static_cast<JobState>(s)),
                static_cast<unsigned long long>(counts.by_state[s]));
  std::printf("}\n");

  auto list = [&](ListQuery q) { return [&state, q] { return page_detail(state.list(q)); }; };
  ListQuery q;
  q.limit = 50;

  q.queue = "queue-3";
  q.state = JobState::dead;
  q.sort = SortColumn::created_at;
  q.descending = true;
  time_it("queue+state dead, created_at desc", reps, list(q));
  q.state = JobState::succeeded;
  time_it("queue+state succeeded, created_at desc", reps, list(q));
  q.state.reset();
  q.states = {JobState::failed, JobState::dead};
  q.sort = SortColumn::finished_at;
  time_it("queue+states failed,dead, finished_at desc", reps, list(q));

  q = ListQuery{};
  q.limit = 50;
  q.search = "class17";
  q.sort = SortColumn::id;
  q.descending = true;
  time_it("search 'class17' (text), id desc", reps, list(q));
  q.search = "readtimeout";
  q.sort = SortColumn::created_at;
  time_it("search 'readtimeout' (error text), created_at desc", reps, list(q));
  q.search = "no such text anywhere";
  time_it("search matching nothing (bounded scan)", reps, list(q));

  q = ListQuery{};
  q.limit = 50;
  q.sort = SortColumn::attempts;
  q.descending = true;
  time_it("sort by attempts desc, no filter", reps, list(q));
  q.job_class = "Class7";
  q.sort = SortColumn::priority;
  time_it("class filter, sort by priority desc", reps, list(q));

  q = ListQuery{};
  q.limit = 50;
  q.sort = SortColumn::created_at;
  q.descending = true;
  ListPage first = state.list(q);
  q.cursor = first.cursor;
  time_it("second page by cursor, created_at desc", reps, list(q));

  for (GroupBy by : {GroupBy::queue, GroupBy::job_class, GroupBy::error}) {
    std::string name = std::string("failed grouped by ") + to_string(by);
    time_it(name.c_str(), std::max(1, reps / 5),
            [&state, by] { return "\"groups\":" + std::to_string(state.groups(by, {}).size()); });
  }
  return 0;
}
