// How good is the ETA? Drives a running node with a steady workload of
// fixed-duration shell jobs, records each job's ETA start right after it
// is enqueued and, once every job has run, compares it with the job's
// actual start. Prints one JSON object:
//
//   eta_bench ENDPOINT QUEUE BATCHES BATCH INTERVAL_MS SECONDS_PER_JOB
//
// BATCH jobs go in every INTERVAL_MS, BATCHES times; each runs
// `sleep SECONDS_PER_JOB`. A few jobs run first so the node has measured a
// service time (no ETA before that). Errors are |eta.start - started_at|
// in ms; "bias" is the mean of eta.start - started_at (positive: late).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <desaster/client.hpp>

#include "core/model/shell_command.hpp"

using namespace desaster;

namespace {

protocol::JobSpec sleeper(const std::string& queue, const std::string& seconds) {
  protocol::JobSpec spec;
  spec.queue = queue;
  spec.kind = JobKind::shell;
  ShellCommand command;
  command.argv = {"sleep", seconds};
  spec.payload = encode_shell_command(command);
  return spec;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

int usage() {
  std::fprintf(stderr,
               "usage: eta_bench ENDPOINT QUEUE BATCHES BATCH INTERVAL_MS SECONDS_PER_JOB\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) return usage();
  const std::string endpoint = argv[1];
  const std::string queue = argv[2];
  const int batches = std::atoi(argv[3]);
  const int batch = std::atoi(argv[4]);
  const int interval_ms = std::atoi(argv[5]);
  const std::string seconds = argv[6];
  if (batches <= 0 || batch <= 0 || interval_ms < 0) return usage();

  ClientOptions options;
  options.endpoint = endpoint;
  options.timeout = std::chrono::seconds(60);
  auto client = Client::connect(options);
  if (!client.ok()) {
    std::fprintf(stderr, "eta_bench: %s\n", client.status().message.c_str());
    return 3;
  }
  Client& c = **client;

  // Warm-up: the node measures service times from finished jobs.
  std::vector<protocol::JobSpec> warm(8, sleeper(queue, seconds));
  auto warmed = c.submit_and_wait(warm, std::chrono::seconds(120));
  if (!warmed.ok()) {
    std::fprintf(stderr, "eta_bench: warm-up: %s\n", warmed.status().message.c_str());
    return 1;
  }

  struct Sample {
    JobId id = 0;
    TimeMs eta_start = 0;
  };
  std::vector<Sample> samples;
  std::vector<JobId> ids;
  std::size_t no_eta = 0;
  auto next = std::chrono::steady_clock::now();
  for (int b = 0; b < batches; ++b) {
    std::this_thread::sleep_until(next);
    next += std::chrono::milliseconds(interval_ms);
    std::vector<protocol::JobSpec> specs(static_cast<std::size_t>(batch), sleeper(queue, seconds));
    auto enqueued = c.enqueue(specs);
    if (!enqueued.ok()) {
      std::fprintf(stderr, "eta_bench: enqueue: %s\n", enqueued.status().message.c_str());
      return 1;
    }
    for (JobId id : enqueued->ids) {
      if (id == 0) continue;
      ids.push_back(id);
      auto got = c.get_with_eta(id);
      if (got.ok() && got->eta && got->job.state == JobState::queued) {
        samples.push_back({id, got->eta->start_ms});
      } else {
        ++no_eta;  // already running, or nothing measured
      }
    }
  }
  auto done = c.wait(ids, std::chrono::seconds(600));
  if (!done.ok()) {
    std::fprintf(stderr, "eta_bench: wait: %s\n", done.status().message.c_str());
    return 1;
  }
  std::vector<double> errors;
  double bias = 0;
  for (const Sample& s : samples) {
    auto job = c.get(s.id);
    if (!job.ok() || job->started_at == 0) continue;
    // started_at is the last attempt's start; with no failures, the first.
    double e = static_cast<double>(s.eta_start - job->history.front().started_at);
    bias += e;
    errors.push_back(std::fabs(e));
  }
  double mean = 0;
  for (double e : errors) mean += e;
  if (!errors.empty()) {
    mean /= static_cast<double>(errors.size());
    bias /= static_cast<double>(errors.size());
  }
  std::printf(
      "{\"bench\":\"eta\",\"jobs\":%zu,\"measured\":%zu,\"no_eta\":%zu,\"job_s\":%s,"
      "\"mae_ms\":%.0f,\"p50_ms\":%.0f,\"p90_ms\":%.0f,\"max_ms\":%.0f,\"bias_ms\":%.0f}\n",
      ids.size(), errors.size(), no_eta, seconds.c_str(), mean, percentile(errors, 0.5),
      percentile(errors, 0.9), percentile(errors, 1.0), bias);
  return 0;
}
