#include "ui/web/server/replica.hpp"

#include <algorithm>
#include <chrono>

#include "transport/client/client.hpp"
#include "transport/client/state_feed.hpp"
#include "ui/desasterctl/ctl_watch.hpp"

namespace desaster::web {

namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxJobsPerEvent = 10;
// Op events kept for the loop; past this they are counted as skipped (the
// page then reloads its lists instead of following op by op).
constexpr std::size_t kMaxQueuedEvents = 5000;
constexpr milliseconds kNodesEvery{1000};
// Node requests that fail in a row before the node counts as gone.
constexpr int kMaxFailedPings = 2;

}  // namespace

const char* to_string(LinkState state) {
  switch (state) {
    case LinkState::disconnected:
      return "disconnected";
    case LinkState::connected:
      return "connected";
    case LinkState::reconnecting:
      return "reconnecting";
  }
  return "?";
}

Replica::Replica(ReplicaOptions options) : options_(std::move(options)) {
  connection_.endpoint = options_.endpoint;
  connection_.message = "connecting to " + options_.endpoint;
  known_endpoints_.push_back(options_.endpoint);
}

Replica::~Replica() {
  stop();
}

void Replica::start(std::function<void()> wake) {
  wake_ = std::move(wake);
  thread_ = std::thread([this] { run(); });
}

void Replica::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

const State& Replica::current_state() const {
  return feed_ ? feed_->state() : empty_;
}

ConnectionInfo Replica::connection() const {
  std::lock_guard lock(info_mutex_);
  return connection_;
}

protocol::NodesReply Replica::nodes() const {
  std::lock_guard lock(info_mutex_);
  return nodes_;
}

std::vector<OpEvent> Replica::take_events(std::uint64_t& skipped) {
  std::lock_guard lock(info_mutex_);
  skipped = skipped_;
  skipped_ = 0;
  return std::exchange(events_, {});
}

bool Replica::alive(const protocol::NodeSummary& node) const {
  if (node.self || node.last_seen_ms == 0) return true;
  std::lock_guard lock(info_mutex_);
  auto it = seen_.find(node.node);
  return it != seen_.end() && SteadyClock::now() - it->second.changed < std::chrono::seconds(5);
}

std::pair<std::string, double> Replica::load() const {
  std::lock_guard lock(info_mutex_);
  return load_;
}

RateSeries Replica::rates() const {
  std::lock_guard lock(info_mutex_);
  return rates_;
}

void Replica::set_link(LinkState state, const std::string& endpoint, const std::string& message) {
  {
    std::lock_guard lock(info_mutex_);
    if (connection_.state == state && connection_.endpoint == endpoint &&
        connection_.message == message)
      return;
    connection_.state = state;
    connection_.endpoint = endpoint;
    connection_.message = message;
    ++connection_.generation;
  }
  if (wake_) wake_();
}

std::vector<std::string> Replica::candidates() const {
  std::lock_guard lock(info_mutex_);
  // The node it talked to last is tried first (it may only have blinked),
  // then every other node it has seen, the one it was started with last.
  std::vector<std::string> out{connection_.endpoint};
  for (const std::string& e : known_endpoints_) {
    if (std::find(out.begin(), out.end(), e) == out.end() && e != options_.endpoint)
      out.push_back(e);
  }
  if (std::find(out.begin(), out.end(), options_.endpoint) == out.end())
    out.push_back(options_.endpoint);
  return out;
}

bool Replica::try_connect(const std::string& endpoint) {
  StateFeedOptions fo;
  fo.endpoint = endpoint;
  fo.group_key = options_.group_key;
  fo.timeout = milliseconds(std::min<std::int64_t>(options_.timeout_ms, 5000));
  // The feed's callbacks run inside poll() (under the exclusive lock) or
  // before the feed is published: the index changes with the state.
  auto search = std::make_unique<SearchIndex>();
  SearchIndex* indexed = search.get();
  auto groups = std::make_unique<GroupIndex>();
  GroupIndex* grouped = groups.get();
  fo.on_op = [this, indexed, grouped](const LogEntry& entry, const Op& op,
                                      const ApplyResult& result, const State& state) {
    indexed->apply(result, state);
    grouped->apply(result, state);
    const WatchLine line = describe_applied(entry, op, result, state);
    OpEvent e;
    e.index = line.index;
    e.kind = line.op;
    e.jobs_total = line.jobs.size();
    for (std::size_t i = 0; i < line.jobs.size() && i < kMaxJobsPerEvent; ++i)
      e.jobs.push_back(line.jobs[i]);
    e.queues = line.queues;
    if (!result.events.empty()) e.state = result.events.front().state;
    std::uint64_t processed = 0;
    std::uint64_t failed = 0;
    for (const JobEvent& je : result.events) {
      if (je.removed) continue;
      if (je.state == JobState::succeeded) ++processed;
      if (je.state == JobState::failed || je.state == JobState::dead) ++failed;
    }
    index_ = entry.index;
    term_ = entry.term;
    if (options_.on_feed_lag) {
      const std::int64_t now = std::chrono::duration_cast<milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
      options_.on_feed_lag(static_cast<double>(now - entry.timestamp) / 1000.0);
    }
    std::lock_guard lock(info_mutex_);
    rates_.add(entry.timestamp, processed, failed);
    if (events_.size() < kMaxQueuedEvents) {
      events_.push_back(std::move(e));
    } else {
      ++skipped_;
    }
  };
  fo.on_snapshot = [this, indexed, grouped](std::uint64_t index, const State& state) {
    indexed->rebuild(state);
    grouped->rebuild(state);
    index_ = index;
    term_ = state.applied_term();
  };
  ClientOptions co;
  co.endpoint = endpoint;
  co.group_key = options_.group_key;
  co.name = "desaster-web";
  co.timeout = milliseconds(2000);
  auto client = Client::connect(co);
  if (!client.ok()) return false;
  // The node must answer before a snapshot is worth taking.
  if (!(*client)->nodes().ok()) return false;
  auto feed = StateFeed::connect(std::move(fo));
  if (!feed.ok()) return false;
  std::unique_ptr<StateFeed> old = std::move(*feed);
  {
    std::unique_lock lock(state_mutex_);
    feed_.swap(old);
    search_.swap(search);
    groups_.swap(groups);
    index_ = feed_->index();
    term_ = feed_->term();
  }
  old.reset();  // the previous replica (maybe millions of jobs) goes outside the lock
  search.reset();
  groups.reset();
  client_ = std::move(*client);
  set_link(LinkState::connected, endpoint, "connected to " + endpoint);
  refresh_nodes();
  return true;
}

bool Replica::refresh_nodes() {
  if (!client_) return false;
  auto reply = client_->nodes();
  if (!reply.ok()) return false;
  std::lock_guard lock(info_mutex_);
  nodes_ = std::move(*reply);
  const auto now = SteadyClock::now();
  for (const protocol::NodeSummary& n : nodes_.nodes) {
    Seen& seen = seen_[n.node];
    if (seen.last_seen_ms != n.last_seen_ms || seen.changed == SteadyClock::time_point{}) {
      seen.last_seen_ms = n.last_seen_ms;
      seen.changed = now;
    }
  }
  for (const protocol::NodeSummary& n : nodes_.nodes) {
    // A node's peer port is its client port + 2 (core/node/node.cpp).
    if (n.address.empty() || n.port < 3 || n.address == "0.0.0.0") continue;
    const std::string e = "tcp://" + n.address + ":" + std::to_string(n.port - 2);
    if (std::find(known_endpoints_.begin(), known_endpoints_.end(), e) == known_endpoints_.end())
      known_endpoints_.push_back(e);
  }
  return true;
}

void Replica::run() {
  auto next_ping = SteadyClock::now();
  int failed_pings = 0;
  std::uint64_t pings = 0;
  bool lost = true;
  while (!stopping_) {
    if (lost) {
      for (const std::string& e : candidates()) {
        if (stopping_) return;
        if (try_connect(e)) {
          lost = false;
          failed_pings = 0;
          next_ping = SteadyClock::now() + kNodesEvery;
          break;
        }
      }
      if (lost) {
        for (int i = 0; i < 10 && !stopping_; ++i) std::this_thread::sleep_for(milliseconds(50));
      }
      continue;
    }
    Status polled;
    std::uint64_t applied_before = 0;
    {
      std::unique_lock lock(state_mutex_);
      applied_before = feed_->stats().applied + feed_->stats().snapshots;
      polled = feed_->poll(milliseconds(0));
    }
    bool applied = false;
    {
      std::shared_lock lock(state_mutex_);
      applied = feed_->stats().applied + feed_->stats().snapshots != applied_before;
    }
    if (applied && wake_) wake_();
    if (!polled.ok()) ++failed_pings;
    if (SteadyClock::now() >= next_ping) {
      next_ping = SteadyClock::now() + kNodesEvery;
      if (refresh_nodes()) {
        failed_pings = 0;
        if (++pings % 5 == 1) {
          protocol::Resources ask;
          ask.series = "none";
          if (auto r = client_->resources(ask); r.ok()) {
            std::lock_guard lock(info_mutex_);
            load_ = {r->node, r->current.load1};
          }
        }
      } else {
        ++failed_pings;
        // A Client drops its socket after a timeout; make a new one.
        ClientOptions co;
        co.endpoint = connection().endpoint;
        co.group_key = options_.group_key;
        co.name = "desaster-web";
        co.timeout = milliseconds(2000);
        if (auto c = Client::connect(co); c.ok()) client_ = std::move(*c);
      }
    }
    if (failed_pings >= kMaxFailedPings) {
      const std::string was = connection().endpoint;
      set_link(LinkState::reconnecting, was,
               "lost " + was + "; trying the other nodes (data as of index " +
                   std::to_string(index_.load()) + ")");
      lost = true;
      continue;
    }
    if (!applied) std::this_thread::sleep_for(milliseconds(10));
  }
}

}  // namespace desaster::web
