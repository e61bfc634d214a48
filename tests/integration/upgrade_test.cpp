// Hot upgrade of a standalone node (SIGUSR2): the listeners and the data
// dir lock go to a new process while a client enqueues shell and Ruby jobs,
// the shell pool and a Ruby pool drain them and HTTP clients are answered by
// a Rack pool. No client error, no HTTP request refused or lost, no
// acknowledged job lost, none run twice, the job running at the upgrade
// reports once; a binary that cannot start rolls back and the old process
// serves on.
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/harness/fixtures.hpp"
#include "tests/integration/harness/http_clients.hpp"
#include "tests/integration/harness/process_probe.hpp"
#include "tests/integration/harness/ruby_jobs.hpp"
#include "tests/integration/harness/run_markers.hpp"

using namespace desaster;
using namespace desaster::test;
using namespace std::chrono_literals;

namespace {

std::size_t count_of(const std::string& log, const std::string& what) {
  std::size_t n = 0;
  for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
  return n;
}

// A standalone node run from a copy of its binary, so that a test can put
// something else at that path before SIGUSR2 (a broken package upgrade):
// SIGUSR2 starts what is at the path the node was started from.
struct CopiedNode {
  TempDir bin;
  TempDir dir;
  std::string copy = bin.path() + "/desaster";
  std::uint16_t port = free_port_triplet();
  std::optional<NodeProcess> node;
  std::unique_ptr<Client> client;

  void start() {
    REQUIRE(run_command({"cp", DESASTER_BIN, copy}).exit_status == 0);
    NodeLaunch launch;
    launch.prefix = {"/bin/sh", "-c", "shift; exec " + copy + " \"$@\"", "sh"};
    launch.args = {"-s", "-a", "127.0.0.1", "-p", std::to_string(port), "--upgrade-timeout", "5"};
    node.emplace(dir.path() + "/data", port, launch);
    REQUIRE(node->start());
    ClientOptions options;
    options.endpoint = node->endpoint();
    options.timeout = 20s;
    auto connected = Client::connect(options);
    REQUIRE(connected.ok());
    client = std::move(*connected);
  }

  // Puts an executable script at the binary's path, then SIGUSR2: the
  // upgrade rolls back.
  void upgrade_to_script(const std::string& text) {
    const std::string script_path = bin.path() + "/script";
    {
      std::ofstream script(script_path);
      script << text;
    }
    REQUIRE(::chmod(script_path.c_str(), 0755) == 0);
    REQUIRE(::rename(script_path.c_str(), copy.c_str()) == 0);
    REQUIRE(::kill(node->pid(), SIGUSR2) == 0);
    REQUIRE(wait_until([&] { return node->log().find("upgrade rolled back") != std::string::npos; },
                       20s));
  }

  // The old process serves on: a shell job enqueued now succeeds.
  void serves_a_job() {
    auto after = client->enqueue({shell_job("true")});
    INFO(after.status().message);
    REQUIRE(after.ok());
    auto done = client->wait({*after}, 20s);
    REQUIRE(done.ok());
    REQUIRE((*done)[0]);
    CHECK((*done)[0]->state == JobState::succeeded);
    CHECK(node->terminate() == 0);
  }
};

// The Ruby pools beside the shell pool: "jobs" runs the test app's jobs,
// "web" answers HTTP requests; both with two workers, idle when it returns.
void add_ruby_pools(Client& client) {
  PoolSpec jobs;
  jobs.name = "jobs";
  jobs.dir = kRubyAppsDir;
  jobs.require_files = {kRubyAppsDir + "/jobs.rb"};
  jobs.min_workers = jobs.max_workers = 2;
  jobs.queues = {{"rb", 1}};
  PoolSpec web;
  web.name = "web";
  web.dir = kRubyAppsDir + "/http_app";
  web.rackup = web.dir + "/config.ru";
  web.min_workers = web.max_workers = 2;
  web.queues = {{"http", 1}};
  REQUIRE(client.pool_add(jobs).ok());
  REQUIRE(client.pool_add(web).ok());
  REQUIRE(wait_until(
      [&] {
        auto pools = client.pools();
        if (!pools.ok() || pools->size() != 2) return false;
        std::size_t idle = 0;
        for (const auto& pool : *pools)
          for (const auto& w : pool.workers) idle += w.state == "idle";
        return idle == 4;
      },
      60s));
}

}  // namespace

TEST_CASE("hot upgrades under load lose no job and run none twice", "[integration][upgrade]") {
  const std::uint16_t http_port = free_port_triplet();
  // The new process starts Ruby pools of its own: what it takes before they
  // are up waits for them (longer than the 5 s default, for a loaded machine).
  RunningNode n({"-j", "4", "--http", "127.0.0.1:" + std::to_string(http_port),
                 "--http-queue-timeout", "60s"});
  add_ruby_pools(*n.client);
  const std::string runs = n.dir.path() + "/runs";
  const std::string ruby_runs = n.dir.path() + "/ruby-runs";
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::atomic<long> longest_ms{0};
  std::mutex mutex;
  std::map<JobId, int> acknowledged;  // id -> its marker
  std::map<JobId, int> ruby_acknowledged;
  std::string first_error;
  std::thread enqueuer([&] {
    ClientOptions options;
    options.endpoint = n.node.endpoint();
    options.timeout = 20s;
    auto client = Client::connect(options);
    if (!client.ok()) {
      ++errors;
      return;
    }
    for (int marker = 0; !stop; marker += 5) {
      std::vector<protocol::JobSpec> batch;
      for (int k = 0; k < 5; ++k)
        batch.push_back(shell_job("echo m" + std::to_string(marker + k) + " >> " + runs));
      batch.push_back(ruby_job("AppendJob", ruby_runs, "r" + std::to_string(marker)));
      const auto sent = std::chrono::steady_clock::now();
      auto result = (*client)->enqueue(batch);
      const long took = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - sent)
                            .count();
      if (took > longest_ms) longest_ms = took;
      std::lock_guard lock(mutex);
      if (!result.ok()) {
        if (errors++ == 0) first_error = result.status().message;
        continue;
      }
      for (std::size_t k = 0; k < result->ids.size(); ++k) {
        if (!result->ids[k]) continue;
        if (k < 5) {
          acknowledged[result->ids[k]] = marker + static_cast<int>(k);
        } else {
          ruby_acknowledged[result->ids[k]] = marker;
        }
      }
    }
  });
  auto acked = [&] {
    std::lock_guard lock(mutex);
    return acknowledged.size();
  };
  // Two HTTP clients, one request at a time on fresh connections.
  HttpClients http(2, http_port, "/work?s=0.01");
  // A job that runs while the upgrade is asked for: it finishes in the old
  // process and reports there once.
  auto long_job = n.client->enqueue({shell_job("sleep 0.5; echo long >> " + runs)});
  REQUIRE(long_job.ok());
  const JobId long_id = *long_job;

  const std::string data_dir = n.node.data_dir();
  pid_t current = n.node.pid();
  // contrib/soak/upgrades asks for more.
  const char* rounds = std::getenv("DESASTER_SOAK_UPGRADES");
  const int kUpgrades = rounds ? std::max(1, std::atoi(rounds)) : 3;
  for (int round = 0; round < kUpgrades; ++round) {
    const std::size_t before = acked();
    REQUIRE(wait_until([&] { return acked() >= before + 50; }));
    if (round == 0) {
      REQUIRE(wait_until([&] {
        auto job = n.client->get(long_id);
        return job.ok() && job->state == JobState::running;
      }));
    }
    REQUIRE(::kill(current, SIGUSR2) == 0);
    const pid_t old = current;
    // The new process names itself in LOCK when it takes the lock over (the
    // file is rewritten: empty for a moment).
    REQUIRE(wait_until(
        [&] {
          const pid_t now = lock_holder(data_dir);
          return now > 0 && now != old;
        },
        30s));
    current = lock_holder(data_dir);
    REQUIRE(current > 0);
    if (old == n.node.pid()) {
      CHECK(n.node.wait_exit(30s) == 0);
    } else {
      REQUIRE(wait_until([&] { return !alive(old); }, 30s));
    }
    CHECK(alive(current));
  }
  const std::size_t before = acked();
  REQUIRE(wait_until([&] { return acked() >= before + 50; }));
  stop = true;
  enqueuer.join();
  http.stop();

  // Every acknowledged job ends once, succeeded on its first attempt.
  ClientOptions options;
  options.endpoint = n.node.endpoint();
  options.timeout = 20s;
  auto client = Client::connect(options);
  REQUIRE(client.ok());
  std::vector<JobId> ids;
  for (const auto& [id, marker] : acknowledged) ids.push_back(id);
  for (const auto& [id, marker] : ruby_acknowledged) ids.push_back(id);
  ids.push_back(long_id);
  std::set<JobId> lost;
  int not_first_attempt = 0;
  for (std::size_t at = 0; at < ids.size(); at += 500) {
    std::vector<JobId> part(ids.begin() + static_cast<long>(at),
                            ids.begin() + static_cast<long>(std::min(ids.size(), at + 500)));
    auto done = (*client)->wait(part, 30s);
    REQUIRE(done.ok());
    for (std::size_t k = 0; k < part.size(); ++k) {
      const auto& job = (*done)[k];
      if (!job || job->state != JobState::succeeded) {
        lost.insert(part[k]);
      } else if (job->attempts != 1) {
        ++not_first_attempt;
      }
    }
  }
  const RunMarkers ran(runs);
  const int twice = ran.twice();
  const int missing = ran.missing(acknowledged, "m");
  // AppendJob's lines: "r<marker> <app version> <pid>".
  const RunMarkers ruby_ran(ruby_runs);
  const int ruby_twice = ruby_ran.twice();
  const int ruby_missing = ruby_ran.missing(ruby_acknowledged, "r");

  const std::string log = n.node.log();
  INFO("first client error: " << first_error);
  INFO("first HTTP failure: " << http.first_failure());
  INFO("log:\n" << log.substr(log.size() > 6000 ? log.size() - 6000 : 0));
  CHECK(errors == 0);
  CHECK(lost.empty());
  CHECK(missing == 0);
  CHECK(twice == 0);
  CHECK(not_first_attempt == 0);
  CHECK(ran.times("long") == 1);
  CHECK(ruby_missing == 0);
  CHECK(ruby_twice == 0);
  CHECK(!ruby_acknowledged.empty());
  CHECK(http.refused == 0);
  CHECK(http.lost == 0);
  CHECK(http.not_ok == 0);
  CHECK(http.answered == http.sent);
  CHECK(http.answered > 0);
  CHECK(count_of(log, "serves now") == static_cast<std::size_t>(kUpgrades));
  WARN("upgrades: " << kUpgrades << ", acknowledged shell jobs: " << acknowledged.size()
                    << ", Ruby jobs: " << ruby_acknowledged.size()
                    << ", longest enqueue round trip: " << longest_ms
                    << " ms; HTTP requests: " << http.sent << " sent, " << http.answered
                    << " answered 200, longest " << http.longest_ms << " ms");
  ::kill(current, SIGTERM);
  CHECK(wait_until([&] { return !alive(current); }, 30s));
}

TEST_CASE("an upgrade to a binary that cannot start rolls back", "[integration][upgrade]") {
  CopiedNode n;
  n.start();
  n.upgrade_to_script("#!/bin/sh\necho broken binary >&2\nexit 3\n");
  INFO(n.node->log());
  CHECK(n.node->log().find("exited with status 3") != std::string::npos);
  CHECK(wait_until([&] { return lock_holder(n.node->data_dir()) == n.node->pid(); }, 5s));
  n.serves_a_job();
}

TEST_CASE(
    "a new process that dies after taking the sockets rolls back and the old one listens again",
    "[integration][upgrade]") {
  // The "new binary" is a script that says hello, takes the lock and the
  // listeners, and exits: the old process had already unbound its sockets.
  CopiedNode n;
  n.start();
  n.upgrade_to_script(
      "#!/usr/bin/python3\n"
      "import socket, sys\n"
      "s = socket.socket(fileno=3)\n"
      "s.send(b'hello')\n"
      "text, fds, _, _ = socket.recv_fds(s, 1024, 16)\n"
      "sys.stderr.write('fake took %d fds for %s\\n' % (len(fds), text.decode()))\n"
      "sys.exit(4)\n");
  INFO(n.node->log());
  CHECK(n.node->log().find("fake took 4 fds for take lock client dispatch feed") !=
        std::string::npos);
  CHECK(n.node->log().find("exited with status 4") != std::string::npos);
  // Listening again, with a shell pool that registered again.
  n.serves_a_job();
}

TEST_CASE("desasterctl upgrade waits for the new process, and says why a broken binary rolled back",
          "[integration][upgrade]") {
  TempDir bin;
  TempDir dir;
  const std::uint16_t port = free_port_triplet();
  NodeLaunch launch;
  launch.args = {"-s", "-a", "127.0.0.1", "-p", std::to_string(port), "--upgrade-timeout", "5"};
  NodeProcess node(dir.path() + "/data", port, launch);
  REQUIRE(node.start());
  const pid_t old_pid = lock_holder(node.data_dir());
  const auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(port)});
    return run_command(args);
  };

  // A binary that is not an executable is refused at once.
  CommandResult refused = ctl({"upgrade", "--binary", bin.path() + "/missing"});
  CHECK(refused.exit_status == 1);
  CHECK(refused.err.find("not an absolute path to an executable") != std::string::npos);

  // One that exits at once: the old process keeps serving, and says why.
  const std::string broken = bin.path() + "/broken";
  {
    std::ofstream script(broken);
    script << "#!/bin/sh\nexit 3\n";
  }
  REQUIRE(::chmod(broken.c_str(), 0755) == 0);
  CommandResult rolled = ctl({"upgrade", "--binary", broken});
  INFO(rolled.out << rolled.err << node.log());
  CHECK(rolled.exit_status == 1);
  CHECK(rolled.out.find("exited with status 3") != std::string::npos);
  CHECK(lock_holder(node.data_dir()) == old_pid);

  // The same binary again: a new pid serves, and the old one is gone.
  CommandResult upgraded = ctl({"upgrade"});
  INFO(upgraded.out << upgraded.err);
  REQUIRE(upgraded.exit_status == 0);
  CHECK(upgraded.out.find("upgraded: pid ") != std::string::npos);
  const pid_t new_pid = lock_holder(node.data_dir());
  CHECK(new_pid != old_pid);
  CHECK(wait_until([&] { return !alive(old_pid); }, 10s));
  CommandResult job = ctl({"enqueue", "--wait", "--", "true"});
  CHECK(job.exit_status == 0);
  if (alive(new_pid)) ::kill(new_pid, SIGTERM);
  CHECK(wait_until([&] { return !alive(new_pid); }, 20s));
}
