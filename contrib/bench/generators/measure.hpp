// What every load generator shares: its arguments, the ~100-byte payloads,
// the clock, latency percentiles, a server's RSS, and the one JSON line per
// figure that `compare` collects:
//   {"workload":W,"peer":P,"metric":M,"value":V,"jobs":N,"seconds":S}
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string peer;      // beanstalkd, redis, gearman, desaster, sidekiq
  std::string mode;      // enqueue-single, enqueue-batch, drain, round-trip, memory, ruby
  std::string workload;  // the label in the output; the mode unless given
  int port = 0;
  std::size_t jobs = 1000;
  std::size_t batch = 1000;  // jobs per pipeline or request
  int workers = 1;
  pid_t pid = 0;         // the server, for memory
  double seconds = 0;    // a throughput run stops after this long (0: never)
  int concurrency = 10;  // ruby: the desaster pool's workers (Sidekiq's threads: the script's -c)
  std::string require_file;  // ruby on desaster: the job class file the pool loads
  int clients = 1;           // enqueue-single: clients enqueuing at once, one job each
  std::string as;            // the server's name in the output, if not the peer's
  std::string dir;           // disk-sync: where to write
};

// The payload of job i: "job-<i>-" padded to 100 bytes.
std::string payload(std::size_t i);

double seconds_since(Clock::time_point start);
bool past(Clock::time_point start, double limit_seconds);

// p in [0, 1] of sorted samples.
double percentile(const std::vector<double>& sorted, double p);

// VmRSS of a process in KiB, -1 if unreadable.
long rss_kb(pid_t pid);

void emit(const Args& args, const std::string& metric, double value, std::size_t jobs,
          double seconds);
// A throughput figure: jobs / seconds as "jobs_per_s".
void emit_rate(const Args& args, std::size_t jobs, double seconds);
// Latencies in microseconds: p50 and p99 as "p50_us", "p99_us".
void emit_latency(const Args& args, std::vector<double> micros, double seconds);

}  // namespace bench
