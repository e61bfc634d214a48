// Running desaster as a service, end to end on a real node: Prometheus
// metrics scraped with curl and checked with promtool, the log file
// reopened on SIGUSR1, and sd_notify's READY/STATUS/WATCHDOG/STOPPING read
// from a notify socket of the test's own.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/integration/harness/fixtures.hpp"
#include "tests/integration/harness/process_probe.hpp"
#include "tests/integration/harness/prometheus_text.hpp"

using namespace desaster;
using namespace desaster::test;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult scrape(std::uint16_t port, const std::string& path = "/metrics") {
  return run_command(
      {"curl", "-sS", "-i", "--max-time", "10", "http://127.0.0.1:" + std::to_string(port) + path});
}

std::string body_of(const CommandResult& r) {
  const std::size_t at = r.out.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : r.out.substr(at + 4);
}

}  // namespace

TEST_CASE("the node serves Prometheus metrics that promtool accepts and that move with jobs",
          "[integration][ops][metrics]") {
  const std::uint16_t metrics_port = free_port_triplet();
  RunningNode n({"--metrics", "127.0.0.1:" + std::to_string(metrics_port)});
  // (Escaping of hostile queue names is the unit tests' job: the client
  // refuses them before they reach a node.)
  const std::string other = "video.hd:1";
  for (const std::string& queue : {std::string("mail"), other}) {
    for (int i = 0; i < 3; ++i) {
      protocol::JobSpec spec = shell_job(i == 2 ? "exit 3" : "true", queue);
      spec.retry.max_attempts = 1;  // the failing one goes dead at once
      auto id = n.client->enqueue(spec);
      INFO(id.status().message);
      REQUIRE(id.ok());
    }
  }
  std::string text;
  REQUIRE(wait_until([&] {
    text = body_of(scrape(metrics_port));
    // Both queues done: the worker checks below want every slot free again.
    return sample(text, R"(desaster_jobs_processed_total{queue="mail"})") == 2 &&
           sample(text, R"(desaster_jobs_dead_total{queue="mail"})") == 1 &&
           sample(text, R"(desaster_jobs_processed_total{queue="video.hd:1"})") == 2 &&
           sample(text, R"(desaster_jobs_dead_total{queue="video.hd:1"})") == 1 &&
           sample(text, R"(desaster_queue_jobs{queue="video.hd:1",state="running"})") == 0 &&
           sample(text, R"(desaster_queue_jobs{queue="mail",state="running"})") == 0;
  }));
  CHECK(sample(text, R"(desaster_jobs_failed_total{queue="mail"})") == 1);
  INFO(text);
  CHECK(sample(text, R"(desaster_jobs_enqueued_total{queue="mail"})") == 3);
  CHECK(sample(text, R"(desaster_job_run_seconds_count{queue="mail"})") == 3);
  CHECK(sample(text, R"(desaster_job_queue_wait_seconds_count{queue="mail"})") == 3);
  CHECK(sample(text, R"(desaster_job_queue_wait_seconds_bucket{queue="mail",le="+Inf"})") == 3);
  CHECK(sample(text, "desaster_cluster_jobs_enqueued_total") == 6);
  CHECK(sample(text, R"(desaster_node_role{role="leader"})") == 1);
  CHECK(sample(text, "desaster_raft_term") >= 1);
  CHECK(sample(text, R"(desaster_pool_kills_total{pool="shell",reason="memory"})") == 0);
  CHECK(sample(text, R"(desaster_jobs_enqueued_total{queue="video.hd:1"})") == 3);
  // Every acknowledged enqueue waited for a group commit's fdatasync, timed
  // on the journal's I/O thread; the finest bucket is 0.1 ms.
  const double syncs = sample(text, "desaster_journal_sync_seconds_count");
  CHECK(syncs >= 1);
  CHECK(sample(text, R"(desaster_journal_sync_seconds_bucket{le="+Inf"})") == syncs);
  CHECK(sample(text, R"(desaster_journal_sync_seconds_bucket{le="0.0001"})") >= 0);
  CHECK(sample(text, "desaster_journal_sync_seconds_sum") > 0);
  // The node's shell pool is a worker of its dispatcher: its slots are listed.
  CHECK(std::regex_search(
      text,
      std::regex(
          R"(desaster_worker_free_slots\{node="[^"]+",worker="[^"]+",pool="shell"\} [1-9])")));
  CHECK(std::regex_search(
      text,
      std::regex(R"(desaster_worker_busy_slots\{node="[^"]+",worker="[^"]+",pool="shell"\} 0)")));

  // promtool reads the exposition as Prometheus would and lints the names.
  const std::string url = "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics";
  CommandResult lint =
      run_command({"sh", "-c", "curl -sSf '" + url + "' | promtool check metrics"});
  INFO(lint.out << lint.err);
  CHECK(lint.exit_status == 0);

  // Queue depth and the oldest job's age follow the queue.
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {DESASTERCTL_BIN, "-c", "127.0.0.1:" + std::to_string(n.port)});
    return run_command(args);
  };
  REQUIRE(ctl({"queue", "create", "slow"}).exit_status == 0);
  CommandResult pause = ctl({"queue", "pause", "slow"});
  INFO(pause.out << pause.err);
  REQUIRE(pause.exit_status == 0);
  REQUIRE(n.client->enqueue(shell_job("true", "slow")).ok());
  REQUIRE(wait_until([&] {
    text = body_of(scrape(metrics_port));
    return sample(text, R"(desaster_queue_depth{queue="slow"})") == 1 &&
           sample(text, R"(desaster_queue_oldest_job_age_seconds{queue="slow"})") > 0;
  }));
  CHECK(sample(text, R"(desaster_queue_paused{queue="slow"})") == 1);

  CommandResult missing = scrape(metrics_port, "/other");
  CHECK(missing.out.rfind("HTTP/1.1 404", 0) == 0);
  CommandResult head = run_command({"curl", "-sS", "-I", url});
  CHECK(head.out.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(head.out.find("text/plain; version=0.0.4") != std::string::npos);
  CHECK(n.node.terminate() == 0);
}

TEST_CASE("the log file is opened again on SIGUSR1, so a rotated file stops growing",
          "[integration][ops][log]") {
  TempDir dir;
  const std::string log_path = dir.path() + "/desaster.log";
  const std::uint16_t port = free_port_triplet();
  NodeProcess node(dir.path() + "/data", port, {"--log-file", log_path});
  node.spawn();
  REQUIRE(
      wait_until([&] { return read_file(log_path).find(" listening: ") != std::string::npos; }));
  // Lines carry the node and the term.
  CHECK(std::regex_search(read_file(log_path), std::regex(" node=[0-9a-f]{8} term=[0-9]+ ")));

  std::filesystem::rename(log_path, log_path + ".1");
  node.signal(SIGUSR1);
  REQUIRE(wait_until([&] {
    return read_file(log_path).find("SIGUSR1: reopened the log file") != std::string::npos;
  }));
  CHECK(node.terminate() == 0);
  const std::string fresh = read_file(log_path);
  const std::string rotated = read_file(log_path + ".1");
  CHECK(fresh.find("stopped; journal flushed") != std::string::npos);
  CHECK(rotated.find(" listening: ") != std::string::npos);
  CHECK(rotated.find("reopened") == std::string::npos);
  CHECK(rotated.find("stopped; journal flushed") == std::string::npos);
}

namespace {

// A service manager's notify socket, as systemd's: a datagram socket whose
// path the node finds in $NOTIFY_SOCKET.
class NotifyListener {
 public:
  explicit NotifyListener(const std::string& path)
      : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{0, 100'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifyListener() { ::close(fd_); }

  // Reads what came (waiting up to 100 ms); true once any message so far
  // contains what.
  bool received(const std::string& what) {
    char buffer[4096];
    ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got > 0) messages_.emplace_back(buffer, static_cast<std::size_t>(got));
    for (const std::string& m : messages_)
      if (m.find(what) != std::string::npos) return true;
    return false;
  }

 private:
  int fd_;
  std::vector<std::string> messages_;
};

}  // namespace

TEST_CASE("the node tells its service manager it is ready, its role and term, and that it stops",
          "[integration][ops][notify]") {
  TempDir dir;
  const std::string socket_path = dir.path() + "/notify";
  NotifyListener manager(socket_path);

  // The node inherits these; a watchdog of 200 ms means a ping every 100 ms.
  ::setenv("NOTIFY_SOCKET", socket_path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);
  const std::uint16_t port = free_port_triplet();
  NodeProcess node(dir.path() + "/data", port);
  node.spawn();
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");

  CHECK(wait_until([&] { return manager.received("READY=1"); }));
  CHECK(wait_until([&] { return manager.received("STATUS=standalone leader, term 1, 0 queued"); }));
  CHECK(wait_until([&] { return manager.received("WATCHDOG=1"); }));
  node.signal(SIGTERM);
  CHECK(wait_until([&] { return manager.received("STOPPING=1"); }));
  CHECK(node.wait_exit() == 0);
}

TEST_CASE("a hot upgrade names the new process the service's main one and does not say stopping",
          "[integration][ops][notify][upgrade]") {
  TempDir dir;
  const std::string socket_path = dir.path() + "/notify";
  NotifyListener manager(socket_path);
  ::setenv("NOTIFY_SOCKET", socket_path.c_str(), 1);
  const std::uint16_t port = free_port_triplet();
  NodeProcess node(dir.path() + "/data", port);
  node.spawn();
  ::unsetenv("NOTIFY_SOCKET");
  REQUIRE(wait_until([&] { return manager.received("READY=1"); }));

  const pid_t old_pid = lock_holder(dir.path() + "/data");
  node.signal(SIGUSR2);
  // The old process exits once the new one serves.
  CHECK(node.wait_exit() == 0);
  const pid_t new_pid = lock_holder(dir.path() + "/data");
  REQUIRE(new_pid != old_pid);
  REQUIRE(alive(new_pid));
  // systemd must follow the new process, or the old one's exit ends the
  // service; a STOPPING=1 from the old one would stop it too.
  CHECK(wait_until([&] { return manager.received("MAINPID=" + std::to_string(new_pid)); }));
  CHECK_FALSE(manager.received("STOPPING=1"));

  ::kill(new_pid, SIGTERM);
  CHECK(wait_until([&] { return manager.received("STOPPING=1"); }));
  CHECK(wait_until([&] { return !alive(new_pid); }));
}
