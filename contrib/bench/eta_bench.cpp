// How good is the ETA? Drives a running node with a steady workload of
// shell jobs (`sleep S`, S drawn from a list, so short and long jobs share
// one queue), records each queued job's ETA start right after its enqueue
// and again every SAMPLE_MS while it waits, and, once every job has run,
// compares each recorded ETA with the job's actual start. Prints one JSON
// object:
//
//   eta_bench ENDPOINT QUEUE BATCHES BATCH INTERVAL_MS SECONDS[,SECONDS...] [SAMPLE_MS]
//
// BATCH jobs go in every INTERVAL_MS, BATCHES times; each job's duration is
// drawn (fixed seed) from SECONDS: "0.1,0.1,0.1,3" is three short jobs to
// one long one. One job of each duration runs first so the node has
// measured each command (it shows no ETA for a command it never saw end).
// Errors: absolute |eta.start - started_at| in ms; relative, that over how
// long the job still had to wait when the ETA was read (at least 100 ms,
// so a job about to start does not divide by ~0); "unknown": a read
// of a queued job that gave no ETA. "bias" is the mean signed error
// (positive: the estimate was late). SAMPLE_MS 0 reads only at enqueue.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
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
  std::size_t i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(i == 0 ? 0 : i - 1, v.size() - 1)];
}

TimeMs wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int usage() {
  std::fprintf(stderr,
               "usage: eta_bench ENDPOINT QUEUE BATCHES BATCH INTERVAL_MS SECONDS[,SECONDS...] "
               "[SAMPLE_MS]\n");
  return 2;
}

struct Read {
  JobId id = 0;
  TimeMs at = 0;         // when the ETA was read
  TimeMs eta_start = 0;  // 0: unknown
  bool at_enqueue = false;
};

struct Summary {
  std::size_t reads = 0, unknown = 0;
  std::vector<double> abs, rel;
  double bias = 0;
};

std::string summary_json(const Summary& s) {
  char buf[512];
  const double known = static_cast<double>(s.abs.size());
  std::snprintf(buf, sizeof buf,
                "{\"reads\":%zu,\"unknown_share\":%.3f,\"abs_p50_ms\":%.0f,\"abs_p90_ms\":%.0f,"
                "\"abs_max_ms\":%.0f,\"rel_p50\":%.3f,\"rel_p90\":%.3f,\"bias_ms\":%.0f}",
                s.reads,
                s.reads ? static_cast<double>(s.unknown) / static_cast<double>(s.reads) : 0.0,
                percentile(s.abs, 0.5), percentile(s.abs, 0.9), percentile(s.abs, 1.0),
                percentile(s.rel, 0.5), percentile(s.rel, 0.9), known ? s.bias / known : 0.0);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7 && argc != 8) return usage();
  const std::string endpoint = argv[1];
  const std::string queue = argv[2];
  const int batches = std::atoi(argv[3]);
  const int batch = std::atoi(argv[4]);
  const int interval_ms = std::atoi(argv[5]);
  std::vector<std::string> durations;
  {
    std::stringstream list(argv[6]);
    for (std::string d; std::getline(list, d, ',');)
      if (!d.empty()) durations.push_back(d);
  }
  const int sample_ms = argc == 8 ? std::atoi(argv[7]) : 0;
  if (batches <= 0 || batch <= 0 || interval_ms < 0 || durations.empty() || sample_ms < 0)
    return usage();

  ClientOptions options;
  options.endpoint = endpoint;
  options.timeout = std::chrono::seconds(60);
  auto client = Client::connect(options);
  if (!client.ok()) {
    std::fprintf(stderr, "eta_bench: %s\n", client.status().message.c_str());
    return 3;
  }
  Client& c = **client;

  // Warm-up: the node measures service times per command from finished jobs.
  std::vector<protocol::JobSpec> warm;
  std::vector<std::string> distinct = durations;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  for (const std::string& d : distinct) warm.push_back(sleeper(queue, d));
  auto warmed = c.submit_and_wait(warm, std::chrono::seconds(120));
  if (!warmed.ok()) {
    std::fprintf(stderr, "eta_bench: warm-up: %s\n", warmed.status().message.c_str());
    return 1;
  }

  std::mt19937 pick(17);
  std::vector<Read> reads;
  std::vector<JobId> ids;
  std::vector<JobId> waiting;  // queued at the last read
  auto read = [&](JobId id, bool at_enqueue) {
    auto got = c.get_with_eta(id);
    if (!got.ok() || got->job.state != JobState::queued) return false;
    reads.push_back({id, wall_ms(), got->eta ? got->eta->start_ms : 0, at_enqueue});
    return true;
  };
  auto next = std::chrono::steady_clock::now();
  auto next_sample = next;
  for (int b = 0; b < batches || (sample_ms > 0 && !waiting.empty());) {
    if (b < batches && std::chrono::steady_clock::now() >= next) {
      next += std::chrono::milliseconds(interval_ms);
      std::vector<protocol::JobSpec> specs;
      for (int i = 0; i < batch; ++i)
        specs.push_back(sleeper(queue, durations[pick() % durations.size()]));
      auto enqueued = c.enqueue(specs);
      if (!enqueued.ok()) {
        std::fprintf(stderr, "eta_bench: enqueue: %s\n", enqueued.status().message.c_str());
        return 1;
      }
      for (std::size_t i = 0; i < enqueued->ids.size(); ++i) {
        JobId id = enqueued->ids[i];
        if (id == 0) continue;
        ids.push_back(id);
        if (read(id, true)) waiting.push_back(id);
      }
      ++b;
    }
    if (sample_ms > 0 && std::chrono::steady_clock::now() >= next_sample) {
      next_sample += std::chrono::milliseconds(sample_ms);
      std::vector<JobId> still;
      for (JobId id : waiting)
        if (read(id, false)) still.push_back(id);
      waiting.swap(still);
    }
    auto wake = sample_ms > 0 ? std::min(next, next_sample) : next;
    if (b >= batches) wake = next_sample;
    std::this_thread::sleep_until(wake);
  }
  auto done = c.wait(ids, std::chrono::seconds(600));
  if (!done.ok()) {
    std::fprintf(stderr, "eta_bench: wait: %s\n", done.status().message.c_str());
    return 1;
  }
  std::unordered_map<JobId, TimeMs> started;
  for (JobId id : ids) {
    auto job = c.get(id);
    // The first attempt's start (no job here fails).
    if (job.ok() && !job->history.empty()) started[id] = job->history.front().started_at;
  }
  Summary at_enqueue, all;
  for (const Read& r : reads) {
    auto s = started.find(r.id);
    if (s == started.end() || s->second == 0) continue;
    for (Summary* sum : {&at_enqueue, &all}) {
      if (sum == &at_enqueue && !r.at_enqueue) continue;
      ++sum->reads;
      if (r.eta_start == 0) {
        ++sum->unknown;
        continue;
      }
      const double e = static_cast<double>(r.eta_start - s->second);
      const double wait = std::max<double>(static_cast<double>(s->second - r.at), 100.0);
      sum->abs.push_back(std::fabs(e));
      sum->rel.push_back(std::fabs(e) / wait);
      sum->bias += e;
    }
  }
  std::printf(
      "{\"bench\":\"eta\",\"jobs\":%zu,\"durations_s\":\"%s\",\"at_enqueue\":%s,"
      "\"all_reads\":%s}\n",
      ids.size(), argv[6], summary_json(at_enqueue).c_str(), summary_json(all).c_str());
  return 0;
}
