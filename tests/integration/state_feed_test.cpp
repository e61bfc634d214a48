// The state feed end to end: a standalone node publishes what it applies, a
// StateFeed replica follows it (snapshot, frames, gap fill) and ends equal
// to the node's State, having seen every index exactly once.
#include <map>

#include "tests/integration/harness/fixtures.hpp"
#include "transport/client/state_feed.hpp"
#include "transport/protocol/replies.hpp"

using namespace desaster;
using namespace desaster::test;

namespace {

struct Seen {
  std::uint64_t snapshot_index = 0;
  std::map<std::uint64_t, int> times;  // index -> how often on_op saw it
};

std::unique_ptr<StateFeed> subscribe(const RunningNode& n, Seen& seen, std::uint32_t drop_every) {
  StateFeedOptions options;
  options.endpoint = n.node.endpoint();
  options.drop_every = drop_every;
  options.on_snapshot = [&seen](std::uint64_t index, const State&) {
    seen.snapshot_index = index;
    seen.times.clear();
  };
  options.on_op = [&seen](const LogEntry& e, const Op&, const ApplyResult&, const State&) {
    ++seen.times[e.index];
  };
  auto feed = StateFeed::connect(options);
  INFO(feed.status().message);
  REQUIRE(feed.ok());
  return std::move(*feed);
}

// The node's snapshot at its current position, through the client protocol,
// every chunk of it; `chunks` counts them.
protocol::FeedSnapshotReply node_snapshot(RunningNode& n, int* chunks = nullptr) {
  protocol::FeedSnapshotReply whole;
  protocol::FeedSnapshot request;
  do {
    auto reply = n.client->request(request);
    INFO(reply.status().message);
    REQUIRE(reply.ok());
    protocol::FeedSnapshotReply body;
    REQUIRE(protocol::decode_body(reply->body, body).ok());
    REQUIRE(body.offset == request.offset);
    if (request.offset == 0) {
      whole.index = body.index;
      whole.term = body.term;
      whole.total = body.total;
    }
    REQUIRE(body.index == whole.index);
    whole.snapshot += body.snapshot;
    request.offset = whole.snapshot.size();
    request.index = whole.index;
    if (chunks) ++*chunks;
  } while (request.offset < whole.total);
  return whole;
}

// Enqueues `count` shell jobs in batches and waits until all are final, so
// the node applies enqueues, leases and completions.
void run_jobs(RunningNode& n, int count) {
  std::vector<JobId> ids;
  for (int done = 0; done < count; done += 25) {
    std::vector<protocol::JobSpec> batch;
    for (int i = done; i < std::min(count, done + 25); ++i) batch.push_back(shell_job("true"));
    auto result = n.client->enqueue(batch);
    INFO(result.status().message);
    REQUIRE(result.ok());
    ids.insert(ids.end(), result->ids.begin(), result->ids.end());
  }
  auto final_jobs = n.client->wait(ids, std::chrono::seconds(60));
  REQUIRE(final_jobs.ok());
  for (const auto& job : *final_jobs) {
    REQUIRE(job);
    CHECK(job->state == JobState::succeeded);
  }
}

// Polls the feed until it reaches the node's position and compares the two
// States byte for byte (the node must be idle: nothing left to apply).
void check_in_step(RunningNode& n, StateFeed& feed) {
  protocol::FeedSnapshotReply node = node_snapshot(n);
  REQUIRE(wait_until([&] {
    REQUIRE(feed.poll(std::chrono::milliseconds(50)).ok());
    if (feed.index() < node.index) return false;
    if (feed.index() > node.index) node = node_snapshot(n);  // a late op (a purge)
    return feed.index() == node.index;
  }));
  CHECK(feed.state().encode_snapshot() == node.snapshot);
}

void check_every_index_once(const Seen& seen, std::uint64_t last) {
  REQUIRE(last > seen.snapshot_index);
  for (std::uint64_t i = seen.snapshot_index + 1; i <= last; ++i) {
    INFO("index " << i);
    auto it = seen.times.find(i);
    REQUIRE(it != seen.times.end());
    CHECK(it->second == 1);
  }
  CHECK(seen.times.size() == last - seen.snapshot_index);
}

}  // namespace

TEST_CASE("a state feed replica follows a node through enqueues, leases and completions",
          "[integration][feed]") {
  RunningNode n;
  Seen seen;
  auto feed = subscribe(n, seen, 0);
  run_jobs(n, 300);
  check_in_step(n, *feed);
  check_every_index_once(seen, feed->index());
  CHECK(feed->stats().snapshots == 1);
  protocol::List all;
  all.limit = 1000;
  auto page = n.client->list(all);
  REQUIRE(page.ok());
  REQUIRE(page->jobs.size() == 300);
  for (const Job& job : page->jobs) {
    const Job* replica = feed->state().find(job.id);
    REQUIRE(replica != nullptr);
    CHECK(replica->state == job.state);
    CHECK(replica->attempts == job.attempts);
  }
}

TEST_CASE("a state feed replica fills the frames it lost from the node's ring",
          "[integration][feed]") {
  RunningNode n;
  Seen seen;
  // Every third frame is discarded as if the SUB had overflowed.
  auto feed = subscribe(n, seen, 3);
  run_jobs(n, 300);
  check_in_step(n, *feed);
  check_every_index_once(seen, feed->index());
  CHECK(feed->stats().dropped_by_hook > 0);
  CHECK(feed->stats().gaps_filled > 0);
  CHECK(feed->stats().snapshots == 1);
}

TEST_CASE("a state feed attached to a node with history starts from its snapshot",
          "[integration][feed]") {
  RunningNode n;
  run_jobs(n, 50);
  Seen seen;
  auto feed = subscribe(n, seen, 0);
  CHECK(seen.snapshot_index > 0);
  CHECK(feed->state().counts().by_state[static_cast<int>(JobState::succeeded)] == 50);
  run_jobs(n, 20);
  check_in_step(n, *feed);
  check_every_index_once(seen, feed->index());
}

TEST_CASE("a state feed takes a State larger than one reply frame in chunks",
          "[integration][feed]") {
  RunningNode n;
  // 24 jobs of about 900 kB, held for an hour: a State of some 21 MiB.
  for (int i = 0; i < 24; ++i) {
    protocol::JobSpec spec = shell_job("true # " + std::string(900'000, 'x'));
    spec.in_ms = 3'600'000;
    auto result = n.client->enqueue({spec});
    INFO(result.status().message);
    REQUIRE(result.ok());
  }
  int chunks = 0;
  protocol::FeedSnapshotReply node = node_snapshot(n, &chunks);
  CHECK(node.total > 2 * protocol::kMaxFeedSnapshotChunkBytes);
  CHECK(chunks == 3);
  Seen seen;
  auto feed = subscribe(n, seen, 0);
  CHECK(feed->stats().snapshots == 1);
  CHECK(feed->state().counts().by_state[static_cast<int>(JobState::scheduled)] == 24);
  CHECK(feed->state().encode_snapshot() == node.snapshot);
  // A chunk asked for by an index the node never encoded is refused, and the
  // reader is told to start again.
  protocol::FeedSnapshot stale;
  stale.offset = 1;
  stale.index = node.index + 1000;
  auto reply = n.client->request(stale);
  CHECK(reply.status().code == ErrorCode::not_found);
  CHECK_THAT(reply.status().message, Catch::Contains("start again from offset 0"));
}

TEST_CASE("feed_ops answers a range the node keeps and refuses one it does not hold",
          "[integration][feed]") {
  RunningNode n;
  run_jobs(n, 5);
  auto reply = n.client->request(protocol::FeedOps{1, 2});
  // A fresh node's ring holds everything from index 1 (its term start); a
  // range it has not published is refused like one it dropped.
  CHECK(reply.ok());
  auto future = n.client->request(protocol::FeedOps{1'000'000, 1'000'001});
  REQUIRE_FALSE(future.ok());
  CHECK(future.status().code == ErrorCode::not_found);
  CHECK_THAT(future.status().message, Catch::Contains("too old, take a snapshot"));
}
