// Workload 7 on desaster, the counterpart of run_sidekiq_ruby: a Ruby pool of
// args.concurrency workers (min = max, so it neither grows nor retires) loads
// args.require_file (contrib/bench/ruby/noop_job.rb) and serves one paused
// queue. N `ruby` jobs (class NoopJob, payload the msgpack of [~100-byte
// string]) are enqueued with the C++ client in batches of args.batch, as the
// Sidekiq side pushes its jobs pipelined from C++; then the clock starts, the
// queue is resumed, and it stops when the node counts N jobs succeeded (each
// completion durable, as in the drains).
#include "desaster_ruby.hpp"

#include <algorithm>
#include <thread>
#include <vector>

#include <desaster/client.hpp>
#include <msgpack.hpp>

#include "peer.hpp"
#include "tcp_conn.hpp"

namespace bench {
namespace {

using namespace desaster;

constexpr const char* kPool = "bench";

protocol::JobSpec ruby_job(const std::string& queue, std::size_t i) {
  protocol::JobSpec spec;
  spec.queue = queue;
  spec.kind = JobKind::ruby;
  spec.job_class = "NoopJob";
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(1);
  pk.pack(payload(i));
  spec.payload.assign(buffer.data(), buffer.size());
  return spec;
}

class RubyRun {
 public:
  explicit RubyRun(const Args& args) : args_(args), queue_(queue_name()) {
    ClientOptions options;
    options.endpoint = "tcp://127.0.0.1:" + std::to_string(args.port);
    options.timeout = std::chrono::seconds(120);
    options.name = "compare-ruby";
    auto client = Client::connect(options);
    if (!client.ok()) fail("desaster: " + client.status().message);
    client_ = std::move(*client);
  }

  // The queue first, paused: the pool's workers must not take a job before
  // the clock starts.
  void prepare() {
    queue(protocol::QueueAction::create);
    queue(protocol::QueueAction::pause);
    PoolSpec spec;
    spec.name = kPool;
    std::string file = args_.require_file;
    spec.dir = file.substr(0, file.rfind('/') == std::string::npos ? 0 : file.rfind('/'));
    if (spec.dir.empty()) spec.dir = ".";
    spec.require_files = {file};
    spec.min_workers = spec.max_workers = static_cast<std::uint32_t>(args_.concurrency);
    spec.queues = {{queue_, 1}};
    spec.kinds = {JobKind::ruby};
    if (Status s = client_->pool_add(spec); !s.ok()) fail("desaster pool add: " + s.message);
    wait_for_idle_workers();
  }

  void enqueue() {
    for (std::size_t first = 0; first < args_.jobs; first += args_.batch) {
      std::vector<protocol::JobSpec> specs;
      for (std::size_t i = first; i < std::min(args_.jobs, first + args_.batch); ++i)
        specs.push_back(ruby_job(queue_, i));
      auto result = client_->enqueue(specs);
      if (!result.ok()) fail("desaster enqueue: " + result.status().message);
    }
  }

  double drain() {
    auto start = Clock::now();
    queue(protocol::QueueAction::resume);
    // Polled every millisecond, as the drains: the protocol has no event
    // for a queue's counts.
    while (succeeded() < args_.jobs) {
      if (past(start, 600)) fail("desaster ruby: the jobs did not all succeed within 600 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return seconds_since(start);
  }

 private:
  void queue(protocol::QueueAction action) {
    protocol::QueueCommand c;
    c.action = action;
    c.name = queue_;
    Status s = client_->queue_command(c);
    if (!s.ok() && !(action == protocol::QueueAction::create && s.code == ErrorCode::conflict))
      fail("desaster queue " + queue_ + ": " + s.message);
  }

  std::size_t succeeded() {
    auto queues = client_->queues();
    if (!queues.ok()) fail("desaster queues: " + queues.status().message);
    std::size_t done = 0;
    for (const auto& q : *queues) {
      if (q.name != queue_) continue;
      done = q.counts[static_cast<int>(JobState::succeeded)];
      std::size_t lost = q.counts[static_cast<int>(JobState::dead)];
      if (lost > 0) fail("desaster ruby: " + std::to_string(lost) + " jobs failed (see node.log)");
    }
    return done;
  }

  // Polled, bounded: the master loads the file, then forks the workers,
  // each of which says it is ready.
  void wait_for_idle_workers() {
    auto start = Clock::now();
    for (;;) {
      auto pools = client_->pools();
      if (!pools.ok()) fail("desaster pools: " + pools.status().message);
      for (const auto& pool : *pools) {
        if (pool.spec.name != kPool) continue;
        std::size_t idle = 0;
        for (const auto& w : pool.workers) idle += w.state == "idle";
        if (idle == static_cast<std::size_t>(args_.concurrency)) return;
        if (!pool.last_error.empty() && past(start, 5)) fail("desaster pool: " + pool.last_error);
      }
      if (past(start, 60)) fail("desaster pool: workers not all idle within 60 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  Args args_;
  std::string queue_;
  std::unique_ptr<Client> client_;
};

}  // namespace

int run_desaster_ruby(const Args& args) {
  if (args.require_file.empty()) fail("ruby on desaster needs --require FILE (the job class)");
  RubyRun run(args);
  run.prepare();
  run.enqueue();
  emit_rate(args, args.jobs, run.drain());
  return 0;
}

}  // namespace bench
