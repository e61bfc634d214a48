// No acknowledged job is lost: kill -9 under load, restart, and every id the
// node acknowledged is still there; jobs that were running run again. Also
// a graceful stop hands running jobs back, and a full disk is an error for
// the client, never an OK.
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "tests/integration/harness/fixtures.hpp"

using namespace desaster;
using namespace desaster::test;

TEST_CASE("kill -9 under load loses no acknowledged job and reruns the running ones",
          "[integration][durability]") {
  RunningNode n({"-j", "4"});
  // Workers keep running short jobs while enqueuers write.
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<JobId> acknowledged;
  auto enqueuer = [&](int which) {
    ClientOptions options;
    options.endpoint = n.node.endpoint();
    options.timeout = std::chrono::seconds(5);
    auto client = Client::connect(options);
    if (!client.ok()) return;
    for (int i = 0; !stop; ++i) {
      std::vector<protocol::JobSpec> batch;
      for (int k = 0; k < 20; ++k) {
        batch.push_back(
            shell_job(i % 5 == 0 ? "sleep 0.2" : "true", which == 0 ? "default" : "other"));
      }
      auto result = (*client)->enqueue(batch);
      if (!result.ok()) return;  // the node is gone
      std::lock_guard lock(mutex);
      for (JobId id : result->ids)
        if (id) acknowledged.push_back(id);
    }
  };
  std::thread a(enqueuer, 0), b(enqueuer, 1);
  // Kill once enough has been acknowledged and some jobs are running (a
  // `sleep 0.2` runs long enough for the kill to catch it).
  protocol::List running;
  running.state = JobState::running;
  running.limit = 1;
  REQUIRE(wait_until([&] {
    {
      std::lock_guard lock(mutex);
      if (acknowledged.size() < 600) return false;
    }
    auto page = n.client->list(running);
    return page.ok() && !page->jobs.empty();
  }));
  n.node.kill9();
  stop = true;
  a.join();
  b.join();
  std::set<JobId> acked;
  {
    std::lock_guard lock(mutex);
    acked.insert(acknowledged.begin(), acknowledged.end());
  }

  n.restart();
  std::set<JobId> found;
  protocol::List query;
  query.limit = 10'000;
  while (true) {
    auto page = n.client->list(query);
    REQUIRE(page.ok());
    for (const Job& job : page->jobs) found.insert(job.id);
    if (!page->next) break;
    query.after = page->next;
  }
  std::size_t missing = 0;
  for (JobId id : acked) missing += found.count(id) ? 0 : 1;
  INFO(acked.size() << " acknowledged, " << found.size() << " found after restart");
  CHECK(missing == 0);
  CHECK(n.node.log().find("were running before the restart back to their queues") !=
        std::string::npos);

  // Every acknowledged job completes at least once after the restart.
  std::vector<JobId> ids(acked.begin(), acked.end());
  auto done = n.client->wait(ids, std::chrono::seconds(120));
  REQUIRE(done.ok());
  std::size_t succeeded = 0;
  for (const auto& job : *done) succeeded += job && job->state == JobState::succeeded;
  CHECK(succeeded == ids.size());
}

TEST_CASE("SIGTERM lets a short running job finish and exits 0", "[integration][durability]") {
  RunningNode n;
  auto id = n.client->enqueue(shell_job("sleep 0.5; echo finished"));
  REQUIRE(id.ok());
  REQUIRE(wait_until([&] { return n.get(*id).state == JobState::running; }));
  CHECK(n.node.terminate() == 0);
  n.restart();
  Job job = n.get(*id);
  CHECK(job.state == JobState::succeeded);
  CHECK(job.output_tail == "finished\n");
}

TEST_CASE("SIGTERM hands a job still running after the grace period back to its queue",
          "[integration][durability]") {
  RunningNode n({"--shutdown-grace", "0"});
  auto id = n.client->enqueue(shell_job("sleep 30"));
  REQUIRE(id.ok());
  REQUIRE(wait_until([&] { return n.get(*id).state == JobState::running; }));
  CHECK(n.node.terminate() == 0);
  CHECK(n.node.log().find("handing back 1 running jobs") != std::string::npos);
  // After the restart the job is queued again, or already running its next
  // attempt; either way the handed-back attempt was not charged.
  n.restart();
  Job job = n.get(*id);
  CHECK((job.state == JobState::queued || job.state == JobState::running));
  CHECK(job.attempts <= 1);  // handing back is not the job's fault
}

TEST_CASE("a full disk gives the client an error, never an OK, and writes resume with space",
          "[integration][durability]") {
  REQUIRE(geteuid() == 0);  // mounting a small tmpfs needs root (CI runs as root)
  TempDir dir;
  std::string mount_point = dir.path() + "/small";
  std::filesystem::create_directories(mount_point);
  REQUIRE(::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=2m") == 0);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mount_point};

  // Ballast, deleted once the disk is full: the space that comes back.
  const std::string ballast = mount_point + "/ballast";
  {
    std::ofstream out(ballast, std::ios::binary);
    out << std::string(512 * 1024, 'b');
    REQUIRE(out.good());
  }

  std::uint16_t port = free_port_triplet();
  NodeProcess node(mount_point + "/data", port, {"-j", "1"});
  REQUIRE(node.start());
  ClientOptions options;
  options.endpoint = node.endpoint();
  auto client = Client::connect(options);
  REQUIRE(client.ok());
  protocol::QueueCommand pause{protocol::QueueAction::create, "big", std::nullopt};
  REQUIRE((*client)->queue_command(pause).ok());
  pause.action = protocol::QueueAction::pause;
  REQUIRE((*client)->queue_command(pause).ok());

  std::string filler(60'000, 'x');
  std::vector<JobId> accepted;
  Status refusal;
  for (int i = 0; i < 200 && refusal.ok(); ++i) {
    auto id = (*client)->enqueue(shell_job("echo " + filler, "big"));
    if (id.ok()) {
      accepted.push_back(*id);
    } else {
      refusal = id.status();
    }
  }
  REQUIRE_FALSE(refusal.ok());
  CHECK(refusal.code == ErrorCode::io_error);
  CHECK(refusal.message.find("No space left on device") != std::string::npos);
  // The node is still up and still answers reads.
  auto stats = (*client)->stats_json();
  CHECK(stats.ok());
  // Space comes back: writes resume by themselves, no restart.
  REQUIRE(std::filesystem::remove(ballast));
  Result<JobId> resumed = Status::error(ErrorCode::internal, "not tried");
  CHECK(wait_until(
      [&] {
        resumed = (*client)->enqueue(shell_job("echo after", "big"));
        return resumed.ok();
      },
      std::chrono::seconds(10)));
  INFO(resumed.status().message);
  REQUIRE(resumed.ok());
  accepted.push_back(*resumed);
  // Everything it acknowledged survives a restart.
  node.kill9();
  REQUIRE(node.start());
  auto again = Client::connect(options);
  REQUIRE(again.ok());
  for (JobId id : accepted) CHECK((*again)->get(id).ok());
}
