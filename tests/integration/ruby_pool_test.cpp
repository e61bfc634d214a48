// Ruby pools end to end: a real node runs the gem's pool master
// (workers/ruby/bin/desaster-pool) on the test app in ruby_apps/jobs.rb,
// copied into each test's own directory.
#include <signal.h>

#include <fstream>
#include <set>
#include <sstream>

#include <msgpack.hpp>

#include "core/model/job_id.hpp"
#include "tests/integration/harness/fixtures.hpp"
#include "tests/integration/harness/ruby_jobs.hpp"

using namespace desaster;
using namespace desaster::test;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// A node, the test app in a directory of its own and a pool declared on it.
struct RubyPoolNode {
  RunningNode n;
  std::string app = n.dir.path() + "/app";

  explicit RubyPoolNode(std::uint32_t min = 1, std::uint32_t max = 1,
                        std::uint32_t memory_limit_mb = 0) {
    REQUIRE(run_command({"mkdir", "-p", app}).exit_status == 0);
    write_file(app + "/jobs.rb", read_file(kRubyAppsDir + "/jobs.rb"));
    write_file(app + "/VERSION", "1\n");
    PoolSpec spec;
    spec.name = "jobs";
    spec.dir = app;
    spec.require_files = {app + "/jobs.rb"};
    spec.min_workers = min;
    spec.max_workers = max;
    spec.queues = {{"rb", 1}};
    spec.memory_limit_mb = memory_limit_mb;
    Status added = n.client->pool_add(spec);
    INFO(added.message);
    REQUIRE(added.ok());
    REQUIRE(wait_for_idle(min));
  }

  protocol::PoolSummary pool() {
    auto pools = n.client->pools();
    INFO(pools.status().message);
    REQUIRE(pools.ok());
    REQUIRE(pools->size() == 1);
    return pools->front();
  }

  std::size_t count(const std::string& state) {
    std::size_t k = 0;
    for (const auto& w : pool().workers) k += w.state == state;
    return k;
  }

  bool wait_for_idle(std::size_t k, std::chrono::milliseconds timeout = 30s) {
    bool ok = wait_until([&] { return count("idle") == k && pool().workers.size() == k; }, timeout);
    if (!ok) INFO(n.node.log());
    return ok;
  }

  JobId enqueue(const protocol::JobSpec& spec) {
    auto id = n.client->enqueue(spec);
    INFO(id.status().message);
    REQUIRE(id.ok());
    return *id;
  }
};

}  // namespace

TEST_CASE("a Ruby pool runs jobs, and a job that raises fails with class, message and backtrace",
          "[integration][ruby]") {
  RubyPoolNode p;
  const std::string out = p.app + "/out";
  Job ok = p.n.wait_final(p.enqueue(ruby_job("AppendJob", out, std::string("hello"))));
  CHECK(ok.state == JobState::succeeded);
  CHECK(read_file(out).rfind("hello 1 ", 0) == 0);
  CHECK(p.n.wait_final(p.enqueue(ruby_job("InstanceJob", 1, 2))).state == JobState::succeeded);

  auto raising = ruby_job("RaiseJob", std::string("boom"));
  raising.retry.max_attempts = 1;
  Job failed = p.n.wait_final(p.enqueue(raising));
  CHECK(failed.state == JobState::dead);
  CHECK(failed.last_error == "ArgumentError: boom");
  CHECK(failed.output_tail.find("jobs.rb") != std::string::npos);

  CommandResult shown = run_command({DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(p.n.port),
                                     "job", format_job_id(failed.id)});
  CHECK(shown.exit_status == 0);
  CHECK(shown.out.find("ArgumentError: boom") != std::string::npos);
  CHECK(shown.out.find("in `perform'") != std::string::npos);
  CHECK(p.pool().jobs_done == 3);
}

TEST_CASE(
    "a Ruby job past its timeout is killed with its worker, reported timed out, and the "
    "worker is replaced",
    "[integration][ruby]") {
  RubyPoolNode p;
  const std::int64_t old_pid = p.pool().workers.at(0).pid;
  auto slow = ruby_job("SleepJob", 30);
  slow.timeout_ms = 500;
  slow.retry.max_attempts = 1;
  Job job = p.n.wait_final(p.enqueue(slow), 20s);
  INFO(job.last_error);
  INFO(p.n.node.log());
  CHECK(job.state == JobState::dead);
  CHECK(job.last_error.find("timed out after 500 ms") != std::string::npos);
  REQUIRE(p.wait_for_idle(1));
  protocol::PoolSummary pool = p.pool();
  CHECK(pool.killed_past_timeout == 1);
  CHECK(pool.workers.at(0).pid != old_pid);
  CHECK(kill(static_cast<pid_t>(old_pid), 0) != 0);
}

TEST_CASE("a Ruby worker over the memory limit after a job is replaced", "[integration][ruby]") {
  RubyPoolNode p(1, 1, 80);
  const std::int64_t old_pid = p.pool().workers.at(0).pid;
  Job job = p.n.wait_final(p.enqueue(ruby_job("HogJob", 150)));
  CHECK(job.state == JobState::succeeded);
  CHECK(job.history.back().max_rss_kb > 80 * 1024);
  REQUIRE(wait_until([&] { return p.pool().replaced_over_memory == 1; }));
  REQUIRE(p.wait_for_idle(1));
  CHECK(p.pool().workers.at(0).pid != old_pid);
  CHECK(p.pool().died == 0);
  CHECK(p.n.node.log().find("replaced over memory") != std::string::npos);
}

TEST_CASE("a Ruby worker killed mid-job fails the attempt, is restarted, and the job runs again",
          "[integration][ruby]") {
  RubyPoolNode p;
  auto crash = ruby_job("CrashOnceJob", p.app + "/crashed");
  crash.retry.max_attempts = 3;
  crash.retry.backoff_base_ms = 100;
  crash.retry.backoff_max_ms = 100;
  Job job = p.n.wait_final(p.enqueue(crash));
  CHECK(job.state == JobState::succeeded);
  CHECK(job.attempts == 2);
  REQUIRE(job.history.size() == 2);
  CHECK(job.history[0].error == "worker died: signal 9");
  protocol::PoolSummary pool = p.pool();
  CHECK(pool.died == 1);
  CHECK(pool.workers.at(0).restarts == 1);
  CHECK(p.n.node.log().find("died (signal 9)") != std::string::npos);
}

TEST_CASE("a Ruby pool grows to max under a backlog and shrinks back to min when idle",
          "[integration][ruby]") {
  RubyPoolNode p(1, 3);
  std::vector<protocol::JobSpec> jobs(9, ruby_job("SleepJob", 0.5));
  auto enqueued = p.n.client->enqueue(jobs);
  REQUIRE(enqueued.ok());
  REQUIRE(wait_until([&] { return p.count("busy") == 3; }));
  auto done = p.n.client->wait(enqueued->ids, 30s);
  REQUIRE(done.ok());
  for (const auto& job : *done) CHECK((job && job->state == JobState::succeeded));
  CHECK(p.pool().workers.size() == 3);
  // Idle workers go after 10 s, down to min.
  CHECK(p.wait_for_idle(1, 25s));
}

TEST_CASE("a reload under load replaces every Ruby worker and loses no job",
          "[integration][ruby]") {
  RubyPoolNode p(2, 2);
  std::set<std::int64_t> old_pids;
  for (const auto& w : p.pool().workers) old_pids.insert(w.pid);
  const std::int64_t old_master = p.pool().master_pid;
  const std::string out = p.app + "/out";
  std::vector<protocol::JobSpec> jobs;
  for (int i = 0; i < 40; ++i) {
    jobs.push_back(ruby_job("SleepJob", 0.05));
    jobs.push_back(ruby_job("AppendJob", out, "job" + std::to_string(i)));
  }
  auto enqueued = p.n.client->enqueue(jobs);
  REQUIRE(enqueued.ok());
  write_file(p.app + "/VERSION", "2\n");
  REQUIRE(p.n.client->pool_reload("jobs").ok());
  auto done = p.n.client->wait(enqueued->ids, 60s);
  REQUIRE(done.ok());
  for (const auto& job : *done) {
    REQUIRE(job);
    CHECK(job->state == JobState::succeeded);
    CHECK(job->attempts == 1);
  }
  REQUIRE(wait_until([&] {
    protocol::PoolSummary pool = p.pool();
    return pool.master_pid != old_master && pool.workers.size() == 2 && p.count("idle") == 2 &&
           std::none_of(pool.workers.begin(), pool.workers.end(),
                        [&](const auto& w) { return old_pids.count(w.pid) > 0; });
  }));
  CHECK(p.pool().generation == 2);
  CHECK(kill(static_cast<pid_t>(old_master), 0) != 0);
  Job after = p.n.wait_final(p.enqueue(ruby_job("AppendJob", out, std::string("after"))));
  CHECK(after.state == JobState::succeeded);
  CHECK(read_file(out).find("after 2 ") != std::string::npos);
  CHECK(p.n.node.log().find("reloaded") != std::string::npos);
}

TEST_CASE("desasterctl adds, lists and removes Ruby pools, and a pool survives a restart",
          "[integration][ruby][ctl]") {
  RunningNode n;
  const std::string app = n.dir.path() + "/app";
  REQUIRE(run_command({"mkdir", "-p", app}).exit_status == 0);
  write_file(app + "/jobs.rb", read_file(kRubyAppsDir + "/jobs.rb"));
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port)});
    return run_command(args);
  };
  CommandResult added = ctl({"pool", "add", "web", "--dir", app, "--require", app + "/jobs.rb",
                             "--min", "2", "--queue", "rb:3"});
  INFO(added.err);
  REQUIRE(added.exit_status == 0);
  CHECK(ctl({"pool", "add", "bad", "--dir", "relative"}).exit_status == 2);
  auto idle_workers = [&] {
    CommandResult listed = ctl({"pool", "list", "--json"});
    std::size_t k = 0;
    for (std::size_t at = 0; (at = listed.out.find("\"state\":\"idle\"", at)) != std::string::npos;
         ++at)
      ++k;
    return k;
  };
  REQUIRE(wait_until([&] { return idle_workers() == 2; }));
  CommandResult listed = ctl({"pool", "list"});
  CHECK(listed.out.find("pool web  2..2 workers  queues rb:3") != std::string::npos);

  n.node.terminate();
  n.restart();
  REQUIRE(wait_until([&] { return idle_workers() == 2; }));

  REQUIRE(ctl({"pool", "remove", "web"}).exit_status == 0);
  CHECK(ctl({"pools", "--json"}).out == "[]\n");
  CHECK(ctl({"pool", "remove", "web"}).exit_status == 1);
}

TEST_CASE("an http job runs a real Sinatra app in a Ruby pool and its Rack reply is the output",
          "[integration][ruby]") {
  RunningNode n;
  // The gem's own Sinatra test app, found from this file like kRubyAppsDir.
  const std::string app = kRubyAppsDir + "/../../../workers/ruby/test/apps/sinatra_app";
  PoolSpec spec;
  spec.name = "web";
  spec.dir = app;
  spec.rackup = app + "/config.ru";
  spec.min_workers = 1;
  spec.max_workers = 1;
  spec.queues = {{"web", 1}};
  Status added = n.client->pool_add(spec);
  INFO(added.message);
  REQUIRE(added.ok());

  protocol::JobSpec request;
  request.queue = "web";
  request.kind = JobKind::http;
  request.job_class = "GET /hello/ada";
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_map(2);
  pk.pack(std::string("env"));
  pk.pack_map(4);
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"REQUEST_METHOD", "GET"},
                                                        {"PATH_INFO", "/hello/ada"},
                                                        {"QUERY_STRING", "shout=1"},
                                                        {"HTTP_HOST", "example.test"}}) {
    pk.pack(key);
    pk.pack(value);
  }
  pk.pack(std::string("body"));
  pk.pack_bin(0);
  request.payload.assign(buffer.data(), buffer.size());
  auto id = n.client->enqueue(request);
  INFO(id.status().message);
  REQUIRE(id.ok());
  Job job = n.wait_final(*id, 60s);
  INFO(job.last_error);
  INFO(n.node.log());
  REQUIRE(job.state == JobState::succeeded);

  msgpack::object_handle reply = msgpack::unpack(job.output_tail.data(), job.output_tail.size());
  std::map<std::string, msgpack::object> fields;
  reply.get().convert(fields);
  CHECK(fields.at("status").as<int>() == 200);
  std::string body;
  const msgpack::object& raw = fields.at("body");
  if (raw.type == msgpack::type::BIN) body.assign(raw.via.bin.ptr, raw.via.bin.size);
  if (raw.type == msgpack::type::STR) body.assign(raw.via.str.ptr, raw.via.str.size);
  CHECK(body.rfind("Hello ada from ", 0) == 0);
  CHECK(body.back() == '!');
}

TEST_CASE("a Ruby worker over the CPU limit is replaced after its job, and counted",
          "[integration][ruby][monitor]") {
  RubyPoolNode p;
  PoolSpec spec = p.pool().spec;
  spec.cpu_limit_percent = 10;  // low: a loaded test machine gives a spin little CPU
  spec.limit_grace_ms = 60'000;
  REQUIRE(p.n.client->pool_add(spec).ok());
  REQUIRE(wait_until([&] {
    protocol::PoolSummary pool = p.pool();
    return pool.generation == spec.generation + 1 && pool.workers.size() == 1 &&
           !pool.workers[0].outdated && pool.workers[0].state == "idle";
  }));
  const std::int64_t old_pid = p.pool().workers.at(0).pid;
  Job job = p.n.wait_final(p.enqueue(ruby_job("SpinJob", 4)));
  INFO(job.last_error);
  INFO(p.n.node.log());
  CHECK(job.state == JobState::succeeded);
  REQUIRE(wait_until([&] { return p.pool().replaced_over_cpu == 1; }));
  REQUIRE(p.wait_for_idle(1));
  CHECK(p.pool().workers.at(0).pid != old_pid);
  CHECK(p.pool().killed_over_cpu == 0);
  CHECK(p.n.node.log().find("replaced over CPU") != std::string::npos);
}

TEST_CASE("a Ruby worker still over the CPU limit past the grace is killed and its job fails",
          "[integration][ruby][monitor]") {
  RubyPoolNode p;
  PoolSpec spec = p.pool().spec;
  spec.cpu_limit_percent = 10;  // low: a loaded test machine gives a spin little CPU
  spec.limit_grace_ms = 2'000;
  REQUIRE(p.n.client->pool_add(spec).ok());
  REQUIRE(wait_until([&] {
    protocol::PoolSummary pool = p.pool();
    return pool.generation == spec.generation + 1 && pool.workers.size() == 1 &&
           !pool.workers[0].outdated && pool.workers[0].state == "idle";
  }));
  auto spin = ruby_job("SpinJob", 60);
  spin.retry.max_attempts = 1;
  Job job = p.n.wait_final(p.enqueue(spin), 40s);
  INFO(job.last_error);
  INFO(p.n.node.log());
  CHECK(job.state == JobState::dead);
  CHECK(job.last_error.find("CPU limit") != std::string::npos);
  REQUIRE(wait_until([&] { return p.pool().killed_over_cpu == 1; }));
  REQUIRE(p.wait_for_idle(1));
}

TEST_CASE("a Ruby worker still over the memory limit past the grace is killed and its job fails",
          "[integration][ruby][monitor]") {
  RubyPoolNode p;
  PoolSpec spec = p.pool().spec;
  spec.memory_limit_mb = 80;
  spec.limit_grace_ms = 2'000;
  REQUIRE(p.n.client->pool_add(spec).ok());
  REQUIRE(wait_until([&] {
    protocol::PoolSummary pool = p.pool();
    return pool.generation == spec.generation + 1 && pool.workers.size() == 1 &&
           !pool.workers[0].outdated && pool.workers[0].state == "idle";
  }));
  auto hog = ruby_job("HogSleepJob", 150, 60);
  hog.retry.max_attempts = 1;
  Job job = p.n.wait_final(p.enqueue(hog), 40s);
  INFO(job.last_error);
  INFO(p.n.node.log());
  CHECK(job.state == JobState::dead);
  CHECK(job.last_error.find("memory limit") != std::string::npos);
  REQUIRE(wait_until([&] { return p.pool().killed_over_memory == 1; }));
  CHECK(p.pool().killed_over_cpu == 0);
  REQUIRE(p.wait_for_idle(1));
}

TEST_CASE("a hot upgrade with a busy Ruby pool loses no job and runs none twice",
          "[integration][ruby][upgrade]") {
  RubyPoolNode p(2, 2);
  const std::int64_t old_master = p.pool().master_pid;
  const std::string out = p.app + "/out";
  std::vector<protocol::JobSpec> jobs;
  for (int i = 0; i < 40; ++i) {
    jobs.push_back(ruby_job("SleepJob", 0.05));
    jobs.push_back(ruby_job("AppendJob", out, "job" + std::to_string(i)));
  }
  auto enqueued = p.n.client->enqueue(jobs);
  REQUIRE(enqueued.ok());
  // Upgrade while the pool works through them: the jobs running now finish
  // in the old process's pool, the rest run in the new process's.
  const pid_t old_pid = p.n.node.pid();
  REQUIRE(kill(old_pid, SIGUSR2) == 0);
  auto holder = [&] {
    std::ifstream in(p.n.node.data_dir() + "/LOCK");
    long pid = 0;
    in >> pid;
    return static_cast<pid_t>(pid);
  };
  REQUIRE(wait_until([&] { return holder() > 0 && holder() != old_pid; }, 30s));
  const pid_t new_pid = holder();
  CHECK(p.n.node.wait_exit(30s) == 0);
  auto done = p.n.client->wait(enqueued->ids, 60s);
  INFO(done.status().message);
  REQUIRE(done.ok());
  for (const auto& job : *done) {
    REQUIRE(job);
    CHECK(job->state == JobState::succeeded);
    CHECK(job->attempts == 1);
  }
  const std::string lines = read_file(out);
  for (int i = 0; i < 40; ++i) {
    const std::string tag = "job" + std::to_string(i) + " ";
    const auto first = lines.find(tag);
    CHECK(first != std::string::npos);
    CHECK(lines.find(tag, first + 1) == std::string::npos);
  }
  // The new process runs a pool of its own; the old one's master is gone.
  REQUIRE(wait_until([&] {
    protocol::PoolSummary pool = p.pool();
    return pool.master_pid != old_master && p.count("idle") == 2;
  }));
  CHECK(kill(static_cast<pid_t>(old_master), 0) != 0);
  Job after = p.n.wait_final(p.enqueue(ruby_job("AppendJob", out, std::string("after"))));
  CHECK(after.state == JobState::succeeded);
  kill(new_pid, SIGTERM);
  // Gone, or a zombie nobody here may reap (its parent was the old process).
  CHECK(wait_until(
      [&] {
        const std::string stat = read_file("/proc/" + std::to_string(new_pid) + "/stat");
        const auto close = stat.rfind(')');
        return close == std::string::npos || stat.substr(close + 2, 1) == "Z";
      },
      30s));
}
