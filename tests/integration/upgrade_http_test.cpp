// Hot upgrade of a standalone node started with --http and --metrics: the
// HTTP front end's and the metrics endpoint's listening sockets go to the new
// process (the same kernel sockets: their inodes do not change), while
// clients keep sending HTTP requests on fresh connections. None is refused,
// none is lost, every one is answered 200; the requests the old process took
// are answered by it before it exits; afterwards the new pid alone holds
// the listeners and answers the scrape.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/harness/fixtures.hpp"
#include "tests/integration/harness/http_clients.hpp"
#include "tests/integration/harness/process_probe.hpp"

using namespace desaster;
using namespace desaster::test;
using namespace std::chrono_literals;

namespace {

const std::string kApp = std::string(DESASTER_SOURCE_DIR) + "/tests/integration/ruby_apps/http_app";

// The inode of the socket listening on 127.0.0.1:port (/proc/net/tcp), 0 if none.
unsigned long listening_inode(std::uint16_t port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  char local[64];
  std::snprintf(local, sizeof local, "0100007F:%04X", port);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, address, remote, state, queues, timer, retransmits, uid, timeout;
    unsigned long inode = 0;
    fields >> slot >> address >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    if (address == local && state == "0A") return inode;
  }
  return 0;
}

// The pids (of those this test may look into) with an fd on that socket.
std::set<pid_t> holders(unsigned long inode) {
  std::set<pid_t> out;
  const std::string wanted = "socket:[" + std::to_string(inode) + "]";
  DIR* proc = ::opendir("/proc");
  if (!proc) return out;
  while (dirent* e = ::readdir(proc)) {
    const pid_t pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    const std::string fd_dir = "/proc/" + std::string(e->d_name) + "/fd";
    DIR* fds = ::opendir(fd_dir.c_str());
    if (!fds) continue;
    while (dirent* f = ::readdir(fds)) {
      char target[128] = {};
      const std::string link = fd_dir + "/" + f->d_name;
      if (::readlink(link.c_str(), target, sizeof target - 1) > 0 && wanted == target)
        out.insert(pid);
    }
    ::closedir(fds);
  }
  ::closedir(proc);
  return out;
}

}  // namespace

TEST_CASE("a hot upgrade passes the HTTP and metrics listeners on: no request refused or lost",
          "[integration][upgrade][http]") {
  TempDir dir;
  const std::uint16_t port = free_port_triplet();
  const std::uint16_t http_port = free_port_triplet();
  const std::uint16_t metrics_port = free_port_triplet();
  // The new process starts its own Ruby pool: the requests it accepts before
  // its workers are up wait for them (longer than the 5 s default, for a
  // loaded machine).
  NodeProcess node(dir.path() + "/data", port,
                   {"--http", "127.0.0.1:" + std::to_string(http_port), "--http-queue-timeout",
                    "60s", "--metrics", "127.0.0.1:" + std::to_string(metrics_port)});
  REQUIRE(node.start());
  ClientOptions options;
  options.endpoint = node.endpoint();
  auto client = Client::connect(options);
  REQUIRE(client.ok());
  PoolSpec spec;
  spec.name = "web";
  spec.dir = kApp;
  spec.rackup = kApp + "/config.ru";
  spec.min_workers = 2;
  spec.max_workers = 2;
  spec.queues = {{"http", 1}};
  REQUIRE((*client)->pool_add(spec).ok());
  REQUIRE(wait_until(
      [&] {
        auto pools = (*client)->pools();
        if (!pools.ok() || pools->size() != 1) return false;
        std::size_t idle = 0;
        for (const auto& w : pools->front().workers) idle += w.state == "idle";
        return idle == 2;
      },
      60s));
  const unsigned long http_inode = listening_inode(http_port);
  const unsigned long metrics_inode = listening_inode(metrics_port);
  REQUIRE(http_inode != 0);
  REQUIRE(metrics_inode != 0);
  REQUIRE(holders(http_inode).count(node.pid()) == 1);

  // Two clients, each one request at a time on a fresh connection; a
  // request takes 50 ms, so some are running in the old process when the
  // new one says ready.
  HttpClients clients(2, http_port, "/work?s=0.05");
  REQUIRE(wait_until([&] { return clients.answered >= 10; }, 30s));

  const pid_t old = node.pid();
  const std::string data_dir = node.data_dir();
  REQUIRE(::kill(old, SIGUSR2) == 0);
  REQUIRE(wait_until(
      [&] {
        const pid_t now = lock_holder(data_dir);
        return now > 0 && now != old;
      },
      30s));
  const pid_t current = lock_holder(data_dir);
  CHECK(node.wait_exit(30s) == 0);
  // The new process serves (its pool is up): 20 more answers.
  const int at_exit = clients.answered;
  const bool served_after = wait_until([&] { return clients.answered >= at_exit + 20; }, 60s);
  clients.stop();

  const std::string log = node.log();
  INFO("first failure: " << clients.first_failure());
  INFO("log:\n" << log.substr(log.size() > 6000 ? log.size() - 6000 : 0));
  CHECK(served_after);
  CHECK(clients.refused == 0);
  CHECK(clients.lost == 0);
  CHECK(clients.not_ok == 0);
  CHECK(clients.answered == clients.sent);
  CHECK(log.find("serves now") != std::string::npos);
  WARN("HTTP requests during the upgrade: " << clients.sent << " sent, " << clients.answered
                                            << " answered 200; longest " << clients.longest_ms
                                            << " ms");

  // The same sockets, held by the new process alone, and it answers scrapes.
  CHECK(alive(current));
  CHECK(listening_inode(http_port) == http_inode);
  CHECK(listening_inode(metrics_port) == metrics_inode);
  CHECK(holders(http_inode) == std::set<pid_t>{current});
  CHECK(holders(metrics_inode) == std::set<pid_t>{current});
  const HttpAnswer scrape = http_get(metrics_port, "/metrics");
  CHECK(scrape.status == 200);
  CHECK(scrape.text.find("desaster_") != std::string::npos);

  ::kill(current, SIGTERM);
  CHECK(wait_until([&] { return !alive(current); }, 30s));
}
