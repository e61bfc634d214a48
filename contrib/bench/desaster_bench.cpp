// Measures a running standalone node through the C++ client, one workload
// at a time, and prints one JSON object per result:
//
//   desaster_bench enqueue-single  ENDPOINT N          one request per job
//   desaster_bench enqueue-batch   ENDPOINT N BATCH    BATCH jobs per request
//   desaster_bench drain           ENDPOINT N WORKERS  N jobs queued, then WORKERS
//                                                      worker processes drain them
//   desaster_bench drain-nodes     ENDPOINT N NODE...  as drain, with one worker process
//                                                      per NODE endpoint (each talks to
//                                                      its own node: the cluster bench)
//   desaster_bench round-trip      ENDPOINT N          submit-and-wait with one
//                                                      waiting worker: p50/p99
//   desaster_bench memory          ENDPOINT N PID      RSS per queued job
//   desaster_bench fill            ENDPOINT N          N jobs left queued in a paused
//                                                      queue (for top_rss)
//   desaster_bench worker          ENDPOINT QUEUE      (used by drain and round-trip)
//
// Jobs are ~100-byte "task" jobs for external workers. Durable: every
// acknowledged enqueue was fdatasync'ed by the node.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <desaster/client.hpp>

using namespace desaster;
using Clock = std::chrono::steady_clock;

namespace {

protocol::JobSpec task(const std::string& queue, std::size_t i) {
  protocol::JobSpec spec;
  spec.queue = queue;
  spec.kind = JobKind::task;
  spec.job_class = "Noop";
  std::string payload = "job-" + std::to_string(i) + "-";
  payload.resize(100, 'x');
  spec.payload = payload;
  return spec;
}

std::unique_ptr<Client> connect(const std::string& endpoint) {
  ClientOptions options;
  options.endpoint = endpoint;
  options.timeout = std::chrono::seconds(120);
  options.name = "bench";
  auto client = Client::connect(options);
  if (!client.ok()) {
    std::fprintf(stderr, "bench: %s\n", client.status().message.c_str());
    std::exit(1);
  }
  return std::move(*client);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void queue_command(Client& client, protocol::QueueAction action, const std::string& name) {
  protocol::QueueCommand command;
  command.action = action;
  command.name = name;
  Status s = client.queue_command(command);
  if (!s.ok() && !(action == protocol::QueueAction::create && s.code == ErrorCode::conflict)) {
    std::fprintf(stderr, "bench: queue %s: %s\n", name.c_str(), s.message.c_str());
    std::exit(1);
  }
}

std::vector<JobId> enqueue_all(Client& client, const std::string& queue, std::size_t n,
                               std::size_t batch) {
  std::vector<JobId> ids;
  ids.reserve(n);
  std::vector<protocol::JobSpec> specs;
  for (std::size_t i = 0; i < n; i += batch) {
    specs.clear();
    for (std::size_t k = i; k < std::min(n, i + batch); ++k) specs.push_back(task(queue, k));
    auto result = client.enqueue(specs);
    if (!result.ok()) {
      std::fprintf(stderr, "bench: enqueue: %s\n", result.status().message.c_str());
      std::exit(1);
    }
    ids.insert(ids.end(), result->ids.begin(), result->ids.end());
  }
  return ids;
}

int run_worker(const std::string& endpoint, const std::string& queue) {
  WorkerOptions options;
  options.endpoint = endpoint;
  options.name = "bench-worker";
  options.queues = {queue};
  options.kinds = {JobKind::task};
  options.slots = 16;
  auto worker = Worker::connect(options);
  if (!worker.ok()) {
    std::fprintf(stderr, "bench worker: %s\n", worker.status().message.c_str());
    return 1;
  }
  Status s = (*worker)->run([](const Lease&) { return WorkOutcome{}; }, [] { return true; });
  std::fprintf(stderr, "bench worker: %s\n", s.message.c_str());
  return s.ok() ? 0 : 1;
}

std::vector<pid_t> start_workers(const char* self, const std::string& endpoint,
                                 const std::string& queue, int count) {
  std::vector<pid_t> pids;
  for (int i = 0; i < count; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      execl(self, self, "worker", endpoint.c_str(), queue.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    pids.push_back(pid);
  }
  return pids;
}

void stop_workers(const std::vector<pid_t>& pids) {
  for (pid_t pid : pids) kill(pid, SIGTERM);
  for (pid_t pid : pids) waitpid(pid, nullptr, 0);
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      long kb = 0;
      in >> kb;
      return kb;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: see the comment at the top of desaster_bench.cpp\n");
    return 2;
  }
  const std::string mode = argv[1], endpoint = argv[2];
  if (mode == "worker") return run_worker(endpoint, argv[3]);
  const std::size_t n = std::strtoull(argv[3], nullptr, 10);
  auto client = connect(endpoint);
  const std::string queue = "bench-" + mode + "-" + std::to_string(getpid());

  if (mode == "fill") {
    queue_command(*client, protocol::QueueAction::create, queue);
    queue_command(*client, protocol::QueueAction::pause, queue);
    enqueue_all(*client, queue, n, 1000);
    return 0;
  }
  if (mode == "enqueue-single" || mode == "enqueue-batch") {
    std::size_t batch =
        mode == "enqueue-batch" && argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1;
    // Paused, so that no worker anywhere takes the jobs meanwhile.
    queue_command(*client, protocol::QueueAction::create, queue);
    queue_command(*client, protocol::QueueAction::pause, queue);
    auto start = Clock::now();
    enqueue_all(*client, queue, n, batch);
    double secs = seconds_since(start);
    std::printf(
        "{\"workload\":\"%s\",\"jobs\":%zu,\"batch\":%zu,\"seconds\":%.3f,\"per_second\":%.0f}\n",
        mode.c_str(), n, batch, secs, n / secs);
    queue_command(*client, protocol::QueueAction::remove, queue);
    return 0;
  }
  if (mode == "drain" || mode == "drain-nodes") {
    int workers = mode == "drain" && argc > 4 ? std::atoi(argv[4]) : 1;
    queue_command(*client, protocol::QueueAction::create, queue);
    queue_command(*client, protocol::QueueAction::pause, queue);
    std::vector<JobId> ids = enqueue_all(*client, queue, n, 1000);
    std::vector<pid_t> pids;
    if (mode == "drain-nodes") {
      workers = 0;
      for (int i = 4; i < argc; ++i, ++workers) {
        std::vector<pid_t> one = start_workers(argv[0], argv[i], queue, 1);
        pids.insert(pids.end(), one.begin(), one.end());
      }
    } else {
      pids = start_workers(argv[0], endpoint, queue, workers);
    }
    auto start = Clock::now();
    queue_command(*client, protocol::QueueAction::resume, queue);
    // Waited for in chunks: a reply carries every job, and must stay under
    // the frame limit.
    std::size_t succeeded = 0;
    for (std::size_t i = 0; i < ids.size(); i += 5000) {
      std::vector<JobId> chunk(ids.begin() + i, ids.begin() + std::min(ids.size(), i + 5000));
      auto done = client->wait(chunk, std::chrono::minutes(10));
      if (!done.ok()) {
        std::fprintf(stderr, "bench: wait: %s\n", done.status().message.c_str());
        stop_workers(pids);
        return 1;
      }
      for (const auto& job : *done) succeeded += job && job->state == JobState::succeeded;
    }
    double secs = seconds_since(start);
    stop_workers(pids);
    std::printf(
        "{\"workload\":\"drain\",\"workers\":%d,\"jobs\":%zu,\"succeeded\":%zu,"
        "\"seconds\":%.3f,\"per_second\":%.0f}\n",
        workers, n, succeeded, secs, succeeded / secs);
    queue_command(*client, protocol::QueueAction::remove, queue);
    return succeeded == n ? 0 : 1;
  }
  if (mode == "round-trip") {
    std::vector<pid_t> pids = start_workers(argv[0], endpoint, queue, 1);
    // Warm up until the worker is registered and answering.
    for (int i = 0; i < 20; ++i)
      client->submit_and_wait({task(queue, i)}, std::chrono::seconds(30));
    std::vector<double> micros;
    micros.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto start = Clock::now();
      auto result = client->submit_and_wait({task(queue, i)}, std::chrono::seconds(30));
      micros.push_back(seconds_since(start) * 1e6);
      if (!result.ok() || result->jobs.empty() || !result->jobs[0] ||
          result->jobs[0]->state != JobState::succeeded) {
        std::fprintf(stderr, "bench: round trip %zu failed\n", i);
        stop_workers(pids);
        return 1;
      }
    }
    stop_workers(pids);
    std::sort(micros.begin(), micros.end());
    auto pct = [&](double p) {
      return micros[std::min(micros.size() - 1, std::size_t(p * micros.size()))];
    };
    std::printf(
        "{\"workload\":\"round-trip\",\"jobs\":%zu,\"p50_us\":%.0f,\"p99_us\":%.0f,"
        "\"max_us\":%.0f}\n",
        n, pct(0.50), pct(0.99), micros.back());
    queue_command(*client, protocol::QueueAction::remove, queue);
    return 0;
  }
  if (mode == "memory") {
    pid_t pid = argc > 4 ? std::atoi(argv[4]) : 0;
    queue_command(*client, protocol::QueueAction::create, queue);
    queue_command(*client, protocol::QueueAction::pause, queue);
    long before = rss_kb(pid);
    enqueue_all(*client, queue, n, 5000);
    long after = rss_kb(pid);
    std::printf(
        "{\"workload\":\"memory\",\"jobs\":%zu,\"rss_before_kb\":%ld,\"rss_after_kb\":%ld,"
        "\"bytes_per_job\":%.0f}\n",
        n, before, after, (after - before) * 1024.0 / n);
    queue_command(*client, protocol::QueueAction::remove, queue);
    return 0;
  }
  std::fprintf(stderr, "bench: unknown workload '%s'\n", mode.c_str());
  return 2;
}
