// desaster through its C++ client (<desaster/client.hpp>), as an application
// would use it. Every acknowledged enqueue and completion is durable (journal
// fdatasync), whatever the workload. The queue is created paused, so the
// drain starts when it is resumed with every worker already registered; the
// drain ends when the node reports every job succeeded.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <desaster/client.hpp>

#include "peer.hpp"
#include "tcp_conn.hpp"

namespace bench {
namespace {

using namespace desaster;

constexpr std::uint32_t kWorkerSlots = 16;

protocol::JobSpec task(const std::string& queue, std::size_t i) {
  protocol::JobSpec spec;
  spec.queue = queue;
  spec.kind = JobKind::task;
  spec.job_class = "Noop";
  spec.payload = payload(i);
  return spec;
}

std::string endpoint(const Args& args) {
  return "tcp://127.0.0.1:" + std::to_string(args.port);
}

std::unique_ptr<Worker> connect_worker(const Args& args, const std::string& queue) {
  WorkerOptions options;
  options.endpoint = endpoint(args);
  options.name = "compare-worker";
  options.queues = {queue};
  options.kinds = {JobKind::task};
  options.slots = kWorkerSlots;
  auto worker = Worker::connect(options);
  if (!worker.ok()) fail("desaster worker: " + worker.status().message);
  return std::move(*worker);
}

class Desaster final : public Peer {
 public:
  explicit Desaster(const Args& args) : args_(args), queue_(queue_name()) {
    ClientOptions options;
    options.endpoint = endpoint(args);
    options.timeout = std::chrono::seconds(120);
    options.name = "compare";
    auto client = Client::connect(options);
    if (!client.ok()) fail("desaster: " + client.status().message);
    client_ = std::move(*client);
  }

  void prepare() override {
    command(protocol::QueueAction::create);
    command(protocol::QueueAction::pause);
  }

  void enqueue(std::size_t first, std::size_t count) override {
    std::vector<protocol::JobSpec> specs;
    specs.reserve(count);
    for (std::size_t i = first; i < first + count; ++i) specs.push_back(task(queue_, i));
    auto result = client_->enqueue(specs);
    if (!result.ok()) fail("desaster enqueue: " + result.status().message);
  }

  std::size_t work_until_empty() override { fail("desaster drains through drain()"); }

  // The workers count what they ran; once every job was reported, the
  // node's queue counts say when the last completion is durable. (Waiting on
  // the ids instead would make the node pack every job into wait replies, a
  // cost the peers are not asked to pay.)
  double drain(const Args& args, std::size_t jobs) override {
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> ran{0};
    std::mutex mutex;
    std::condition_variable all_ran;
    std::vector<std::thread> threads;
    const std::size_t before = workers_connected();
    for (int w = 0; w < args.workers; ++w)
      threads.emplace_back([&] {
        connect_worker(args_, queue_)
            ->run(
                [&](const Lease&) {
                  if (++ran == jobs) {
                    std::lock_guard<std::mutex> lock(mutex);
                    all_ran.notify_all();
                  }
                  return WorkOutcome{};
                },
                [&] { return !stop.load(); });
      });
    wait_for_workers(before + static_cast<std::size_t>(args.workers));
    auto start = Clock::now();
    command(protocol::QueueAction::resume);
    {
      std::unique_lock<std::mutex> lock(mutex);
      if (!all_ran.wait_for(lock, std::chrono::minutes(10), [&] { return ran >= jobs; }))
        fail("desaster drain: " + std::to_string(ran) + " of " + std::to_string(jobs) + " ran");
    }
    wait_for_succeeded(jobs);
    double seconds = seconds_since(start);
    stop = true;
    for (auto& t : threads) t.join();
    return seconds;
  }

  void serve(std::size_t count) override {
    std::size_t done = 0;
    connect_worker(args_, queue_ + "-rt")
        ->run(
            [&](const Lease&) {
              ++done;
              return WorkOutcome{};
            },
            [&] { return done < count; });
  }

  void round_trip(std::size_t i) override {
    auto result = client_->submit_and_wait({task(queue_ + "-rt", i)}, std::chrono::seconds(30));
    if (!result.ok() || result->jobs.empty() || !result->jobs[0] ||
        result->jobs[0]->state != JobState::succeeded)
      fail("desaster round trip " + std::to_string(i) + " failed");
  }

 private:
  void command(protocol::QueueAction action) {
    protocol::QueueCommand c;
    c.action = action;
    c.name = queue_;
    Status s = client_->queue_command(c);
    if (!s.ok() && !(action == protocol::QueueAction::create && s.code == ErrorCode::conflict))
      fail("desaster queue " + queue_ + ": " + s.message);
  }

  std::size_t workers_connected();
  std::size_t succeeded();
  void wait_for_succeeded(std::size_t count);
  void wait_for_workers(std::size_t count);

  Args args_;
  std::string queue_;
  std::unique_ptr<Client> client_;
};

// The node's stats count connected workers (its own shell pool among them).
std::size_t Desaster::workers_connected() {
  auto stats = client_->stats_json();
  if (!stats.ok()) fail("desaster stats: " + stats.status().message);
  std::size_t at = stats->find("\"connected\":", stats->find("\"workers\""));
  if (at == std::string::npos) fail("desaster stats: no worker count in " + *stats);
  return std::stoul(stats->substr(at + 12));
}

std::size_t Desaster::succeeded() {
  auto queues = client_->queues();
  if (!queues.ok()) fail("desaster queues: " + queues.status().message);
  for (const auto& q : *queues)
    if (q.name == queue_) return q.counts[static_cast<int>(JobState::succeeded)];
  fail("desaster: queue " + queue_ + " is gone");
}

// Polled, with a bound, both: the protocol has no event for another
// client's worker, nor for a queue's counts.
void Desaster::wait_for_succeeded(std::size_t count) {
  auto start = Clock::now();
  while (succeeded() < count) {
    if (past(start, 60)) fail("desaster: jobs ran but did not succeed within 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void Desaster::wait_for_workers(std::size_t count) {
  auto start = Clock::now();
  while (workers_connected() < count) {
    if (past(start, 10)) fail("desaster: workers did not register within 10 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

std::unique_ptr<Peer> make_desaster(const Args& args) {
  return std::make_unique<Desaster>(args);
}

}  // namespace bench
