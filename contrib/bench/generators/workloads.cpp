// Throughput runs stop at args.jobs or after args.seconds, whichever comes
// first, so that a peer at a thousand fsyncs a second does not hold up the
// whole comparison; the rate is jobs done over time taken either way.
#include "workloads.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "peer.hpp"
#include "tcp_conn.hpp"

namespace bench {
namespace {

// Round trips first done to warm connections and caches up, not measured.
constexpr std::size_t kWarmUp = 20;
constexpr std::size_t kMemoryBatch = 5000;

// Several clients at once, one job per request each, on connections of
// their own: what a group commit shares. The rate is all their jobs over
// the time until the last client is done.
int enqueue_clients(const Args& args) {
  std::vector<std::unique_ptr<Peer>> clients;
  for (int c = 0; c < args.clients; ++c) clients.push_back(make_peer(args));
  clients[0]->prepare();
  std::vector<std::size_t> done(clients.size());
  std::vector<std::thread> threads;
  const std::size_t each = args.jobs / clients.size() + 1;
  auto start = Clock::now();
  for (std::size_t c = 0; c < clients.size(); ++c)
    threads.emplace_back([&, c] {
      while (done[c] < each && !past(start, args.seconds)) {
        clients[c]->enqueue(c * each + done[c], 1);
        ++done[c];
      }
    });
  for (auto& t : threads) t.join();
  double seconds = seconds_since(start);
  std::size_t total = 0;
  for (std::size_t d : done) total += d;
  emit_rate(args, total, seconds);
  return 0;
}

// The disk's own sync time, measured in the same run as the servers: a
// 200-byte append then fdatasync, as a journal does for one small entry.
int disk_sync(const Args& args) {
  std::string path = (args.dir.empty() ? std::string("/tmp") : args.dir) + "/sync-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  if (fd < 0) fail("disk-sync: cannot open " + path);
  const std::string entry = payload(0) + payload(1);
  std::vector<double> micros;
  micros.reserve(args.jobs);
  auto start = Clock::now();
  for (std::size_t i = 0; i < args.jobs && !past(start, args.seconds); ++i) {
    auto one = Clock::now();
    if (::write(fd, entry.data(), entry.size()) != static_cast<ssize_t>(entry.size()) ||
        ::fdatasync(fd) != 0)
      fail("disk-sync: write or fdatasync failed");
    micros.push_back(seconds_since(one) * 1e6);
  }
  double seconds = seconds_since(start);
  ::close(fd);
  ::unlink(path.c_str());
  emit_latency(args, std::move(micros), seconds);
  return 0;
}

int enqueue(const Args& args, std::size_t batch) {
  if (batch == 1 && args.clients > 1) return enqueue_clients(args);
  auto peer = make_peer(args);
  peer->prepare();
  std::size_t done = 0;
  auto start = Clock::now();
  while (done < args.jobs && !past(start, args.seconds)) {
    std::size_t count = std::min(batch, args.jobs - done);
    peer->enqueue(done, count);
    done += count;
  }
  emit_rate(args, done, seconds_since(start));
  return 0;
}

void enqueue_untimed(Peer& peer, std::size_t jobs, std::size_t batch) {
  for (std::size_t i = 0; i < jobs; i += batch) peer.enqueue(i, std::min(batch, jobs - i));
}

int drain(const Args& args) {
  auto peer = make_peer(args);
  peer->prepare();
  enqueue_untimed(*peer, args.jobs, args.batch);
  double seconds = peer->drain(args, args.jobs);
  emit_rate(args, args.jobs, seconds);
  return 0;
}

int round_trip(const Args& args) {
  auto client = make_peer(args);
  client->prepare();
  std::thread worker([&] { make_peer(args)->serve(kWarmUp + args.jobs); });
  for (std::size_t i = 0; i < kWarmUp; ++i) client->round_trip(i);
  std::vector<double> micros;
  micros.reserve(args.jobs);
  auto start = Clock::now();
  for (std::size_t i = 0; i < args.jobs; ++i) {
    auto one = Clock::now();
    client->round_trip(kWarmUp + i);
    micros.push_back(seconds_since(one) * 1e6);
  }
  double seconds = seconds_since(start);
  worker.join();
  emit_latency(args, std::move(micros), seconds);
  return 0;
}

int memory(const Args& args) {
  if (args.pid <= 0) fail("memory needs --pid of the server");
  auto peer = make_peer(args);
  peer->prepare();
  long before = rss_kb(args.pid);
  auto start = Clock::now();
  enqueue_untimed(*peer, args.jobs, kMemoryBatch);
  long after = rss_kb(args.pid);
  if (before < 0 || after < 0) fail("cannot read the RSS of pid " + std::to_string(args.pid));
  emit(args, "bytes_per_job", (after - before) * 1024.0 / args.jobs, args.jobs,
       seconds_since(start));
  return 0;
}

}  // namespace

double Peer::drain(const Args& args, std::size_t jobs) {
  std::vector<std::unique_ptr<Peer>> workers;
  for (int w = 0; w < args.workers; ++w) workers.push_back(make_peer(args));
  std::vector<std::size_t> done(workers.size());
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (std::size_t w = 0; w < workers.size(); ++w)
    threads.emplace_back([&, w] { done[w] = workers[w]->work_until_empty(); });
  for (auto& t : threads) t.join();
  double seconds = seconds_since(start);
  std::size_t total = 0;
  for (std::size_t d : done) total += d;
  if (total != jobs)
    fail("drain completed " + std::to_string(total) + " of " + std::to_string(jobs) + " jobs");
  return seconds;
}

int run_workload(const Args& args) {
  if (args.mode == "enqueue-single") return enqueue(args, 1);
  if (args.mode == "enqueue-batch") return enqueue(args, args.batch);
  if (args.mode == "drain") return drain(args);
  if (args.mode == "round-trip") return round_trip(args);
  if (args.mode == "memory") return memory(args);
  if (args.mode == "disk-sync") return disk_sync(args);
  fail("unknown workload '" + args.mode + "'");
}

}  // namespace bench
