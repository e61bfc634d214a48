// State feed lag: under enqueue load, how long after a client's enqueue is
// acknowledged does the op show up applied in a StateFeed replica? Prints
// one JSON object:
//
//   feed_lag_bench WRITE_ENDPOINT FEED_ENDPOINT JOBS CLIENTS
//
// CLIENTS threads enqueue JOBS task jobs in all (one per request, queue
// "feed-lag", no worker takes them) to WRITE_ENDPOINT; a StateFeed attached
// to FEED_ENDPOINT (the same node, or a follower of a cluster) notes when
// each job's enqueue is applied. lag_ack_ms: applied - acknowledged
// (negative when the replica applied it before the client heard OK);
// lag_send_ms: applied - sent.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <desaster/client.hpp>
#include <desaster/state_feed.hpp>

using namespace desaster;
using Clock = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Sent {
  Clock::time_point sent;
  Clock::time_point acked;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: feed_lag_bench WRITE_ENDPOINT FEED_ENDPOINT JOBS CLIENTS\n");
    return 2;
  }
  const std::string write_endpoint = argv[1];
  const std::string feed_endpoint = argv[2];
  const int jobs = std::atoi(argv[3]);
  const int clients = std::max(1, std::atoi(argv[4]));

  std::mutex mutex;
  std::map<JobId, Clock::time_point> applied;
  std::map<JobId, Sent> sent;

  StateFeedOptions feed_options;
  feed_options.endpoint = feed_endpoint;
  feed_options.on_op = [&](const LogEntry&, const Op& op, const ApplyResult& result, const State&) {
    if (!std::holds_alternative<EnqueueOp>(op)) return;
    const Clock::time_point now = Clock::now();
    std::lock_guard lock(mutex);
    for (const JobEvent& e : result.events) applied.emplace(e.id, now);
  };
  auto feed = StateFeed::connect(feed_options);
  if (!feed.ok()) {
    std::fprintf(stderr, "feed: %s\n", feed.status().message.c_str());
    return 1;
  }
  std::atomic<bool> stop{false};
  std::thread feeder([&] {
    while (!stop) (void)(*feed)->poll(std::chrono::milliseconds(20));
  });

  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  const Clock::time_point start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    writers.emplace_back([&] {
      ClientOptions options;
      options.endpoint = write_endpoint;
      auto client = Client::connect(options);
      if (!client.ok()) {
        ++failures;
        return;
      }
      protocol::JobSpec spec;
      spec.queue = "feed-lag";
      spec.kind = JobKind::task;
      spec.job_class = "Lag";
      while (next.fetch_add(1) < jobs) {
        const Clock::time_point t0 = Clock::now();
        Result<JobId> id = (*client)->enqueue(spec);
        const Clock::time_point t1 = Clock::now();
        if (!id.ok()) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mutex);
        sent.emplace(*id, Sent{t0, t1});
      }
    });
  }
  for (std::thread& t : writers) t.join();
  const double seconds = ms_between(start, Clock::now()) / 1000;
  // Wait (bounded) for the replica to apply the last acknowledged jobs.
  const Clock::time_point give_up = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    {
      std::lock_guard lock(mutex);
      bool all = true;
      for (const auto& [id, s] : sent)
        if (!applied.count(id)) {
          all = false;
          break;
        }
      if (all || Clock::now() > give_up) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  feeder.join();

  std::vector<double> lag_ack;
  std::vector<double> lag_send;
  std::size_t missing = 0;
  for (const auto& [id, s] : sent) {
    auto it = applied.find(id);
    if (it == applied.end()) {
      ++missing;
      continue;
    }
    lag_ack.push_back(ms_between(s.acked, it->second));
    lag_send.push_back(ms_between(s.sent, it->second));
  }
  const StateFeedStats& stats = (*feed)->stats();
  std::printf(
      "{\"jobs\":%zu,\"clients\":%d,\"enqueues_per_s\":%.0f,\"failures\":%d,\"missing\":%zu,"
      "\"lag_ack_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
      "\"lag_send_ms\":{\"p50\":%.3f,\"p99\":%.3f},"
      "\"feed\":{\"frames\":%llu,\"gaps_filled\":%llu,\"snapshots\":%llu}}\n",
      sent.size(), clients, static_cast<double>(sent.size()) / seconds, failures.load(), missing,
      percentile(lag_ack, 0.5), percentile(lag_ack, 0.99), percentile(lag_ack, 1.0),
      percentile(lag_send, 0.5), percentile(lag_send, 0.99),
      static_cast<unsigned long long>(stats.frames),
      static_cast<unsigned long long>(stats.gaps_filled),
      static_cast<unsigned long long>(stats.snapshots));
  return missing == 0 && failures == 0 ? 0 : 1;
}
