// desaster-web's live replica of the scheduler state: one StateFeed (one
// feed subscription, whatever the number of browsers) kept by a thread of
// its own, read by the HTTP loop under a shared lock.
//
// The feed thread polls the feed, turns every applied op into a compact
// OpEvent for the SSE stream, counts processed and failed jobs, and asks
// the node for its nodes list once a second (which is also how it notices
// that the node is gone). When the node is gone it keeps the last state for
// reading, marks the connection "reconnecting" and tries the other nodes it
// knew of (their client ports), the one it was started with last; the
// first that answers becomes the new feed.
//
// Threading: start()/stop() and the readers on any thread; the wake
// callback runs on the feed thread (it only signals the loop).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/state/state.hpp"
#include "transport/protocol/replies.hpp"
#include "ui/web/server/group_index.hpp"
#include "ui/web/server/rate_series.hpp"
#include "ui/web/server/search_index.hpp"

namespace desaster {
class StateFeed;
class Client;
}  // namespace desaster

namespace desaster::web {

struct OpEvent {
  std::uint64_t index = 0;
  std::string kind;         // the op's name, as `desasterctl watch` prints it
  std::vector<JobId> jobs;  // the first few jobs it touched
  std::uint64_t jobs_total = 0;
  std::vector<std::string> queues;
  std::optional<JobState> state;  // the state the first job moved to
};

enum class LinkState : std::uint8_t { disconnected, connected, reconnecting };
const char* to_string(LinkState state);

struct ConnectionInfo {
  std::string endpoint;  // the node's client endpoint (tcp://host:port)
  LinkState state = LinkState::disconnected;
  std::string message;
  std::uint64_t generation = 0;  // bumps at every change
};

struct ReplicaOptions {
  std::string endpoint;
  std::string group_key;
  std::int64_t timeout_ms = 10'000;
  // Called on the feed thread for each op applied, with the seconds since
  // its leader stamped it (the metrics' feed lag); may be unset.
  std::function<void(double seconds)> on_feed_lag;
};

class Replica {
 public:
  explicit Replica(ReplicaOptions options);
  ~Replica();

  // Starts the feed thread; wake runs (on that thread) whenever there are
  // events to take or the connection changed.
  void start(std::function<void()> wake);
  void stop();

  // Runs f(state) under the shared lock. Before the first snapshot the
  // state is empty.
  template <typename F>
  auto read(F&& f) const {
    std::shared_lock lock(state_mutex_);
    return f(current_state());
  }
  // Runs f(state, search) under the shared lock: the state and the search
  // index of the same moment.
  template <typename F>
  auto read_indexed(F&& f) const {
    std::shared_lock lock(state_mutex_);
    return f(current_state(), search_ ? *search_ : empty_search_);
  }
  // Runs f(state, groups) under the shared lock: the state and its error
  // groups of the same moment.
  template <typename F>
  auto read_grouped(F&& f) const {
    std::shared_lock lock(state_mutex_);
    return f(current_state(), groups_ ? *groups_ : empty_groups_);
  }
  std::uint64_t index() const { return index_.load(); }
  std::uint64_t term() const { return term_.load(); }

  ConnectionInfo connection() const;
  // The last nodes reply (nodes of the cluster as the connected node sees
  // them) and the time it came.
  protocol::NodesReply nodes() const;
  // Whether a node of nodes() was heard of lately: itself, or a peer whose
  // last beacon time moved on within the last 5 s (its clock is the
  // answering node's monotonic one, so only its changes mean something).
  bool alive(const protocol::NodeSummary& node) const;
  // The connected node's 1-minute load average (asked every 5 s), by id.
  std::pair<std::string, double> load() const;
  // Moves the queued op events out; skipped says how many were dropped
  // because nobody took them in time.
  std::vector<OpEvent> take_events(std::uint64_t& skipped);
  // The rates, copied under their lock.
  RateSeries rates() const;

 private:
  void run();
  bool try_connect(const std::string& endpoint);
  void set_link(LinkState state, const std::string& endpoint, const std::string& message);
  bool refresh_nodes();  // asks the node for its nodes list; false when it does not answer
  std::vector<std::string> candidates() const;
  const State& current_state() const;

  ReplicaOptions options_;
  std::function<void()> wake_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  mutable std::shared_mutex state_mutex_;  // feed_, the State it holds, search_, groups_
  std::unique_ptr<StateFeed> feed_;
  // The search index of feed_'s state, changed by its callbacks.
  std::unique_ptr<SearchIndex> search_;
  // The error groups of feed_'s state, changed by the same callbacks.
  std::unique_ptr<GroupIndex> groups_;
  State empty_;
  SearchIndex empty_search_;
  GroupIndex empty_groups_;
  std::atomic<std::uint64_t> index_{0};
  std::atomic<std::uint64_t> term_{0};

  std::unique_ptr<Client> client_;  // feed thread only: nodes and health

  mutable std::mutex info_mutex_;  // the rest
  ConnectionInfo connection_;
  protocol::NodesReply nodes_;
  std::vector<std::string> known_endpoints_;  // every node's client endpoint seen so far
  std::vector<OpEvent> events_;
  std::uint64_t skipped_ = 0;
  std::pair<std::string, double> load_;  // node id, load1
  struct Seen {
    std::uint64_t last_seen_ms = 0;
    std::chrono::steady_clock::time_point changed{};
  };
  std::map<std::string, Seen> seen_;  // by node id
  RateSeries rates_;
};

}  // namespace desaster::web
