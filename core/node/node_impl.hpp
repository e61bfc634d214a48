// Node::Impl: the node's parts and their wiring, shared by node.cpp (start and
// the loop's turn) and the node_*.cpp files beside it (cluster, journal,
// listeners, listing, shutdown, upgrade). Private to core/node.
#pragma once

#include "core/node/node.hpp"

#include <signal.h>
#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include "core/cluster/stored_snapshot.hpp"
#include "core/journal/journal.hpp"
#include "core/journal/node_identity.hpp"
#include "core/model/job_id.hpp"
#include "core/node/client_api.hpp"
#include "core/node/cron_timer.hpp"
#include "core/node/discovery.hpp"
#include "core/node/dispatcher.hpp"
#include "core/node/feed_publisher.hpp"
#include "core/node/forwarder.hpp"
#include "core/node/held_writes.hpp"
#include "core/node/http_gate.hpp"
#include "core/node/leader_timer.hpp"
#include "core/node/leadership_handoff.hpp"
#include "core/node/log.hpp"
#include "core/node/log_file.hpp"
#include "core/node/metrics/node_metrics.hpp"
#include "core/node/proposer.hpp"
#include "core/node/protected_mode.hpp"
#include "core/node/raft_driver.hpp"
#include "core/node/refusal_log.hpp"
#include "core/node/resources_reply.hpp"
#include "core/node/service_notify.hpp"
#include "core/node/socket_limits.hpp"
#include "core/node/stall_watch.hpp"
#include "core/node/timed_duties.hpp"
#include "core/node/upgrade/handover_child.hpp"
#include "core/node/upgrade/listener_set.hpp"
#include "core/node/upgrade/upgrader.hpp"
#include "core/node/waiters.hpp"
#include "core/node/worker_relay.hpp"
#include "core/state/state.hpp"
#include "core/version.hpp"
#include "transport/loop/zmq_watcher.hpp"
#include "transport/peer/peer_links.hpp"
#include "transport/security/curve_socket.hpp"
#include "transport/security/group_keys.hpp"
#include "transport/security/handshake_monitor.hpp"
#include "transport/security/key_source.hpp"
#include "transport/security/zap_handler.hpp"
#include "workers/ruby_pool/pool_manager.hpp"
#include "workers/shell/shell_pool.hpp"

namespace desaster {

// The time that goes into ops (DESIGN: time enters only as an op's timestamp).
inline TimeMs wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct Node::Impl {
  NodeOptions options;
  Logger log;
  uv_loop_t loop{};
  std::string node_id;

  std::unique_ptr<Journal> journal;
  State state;
  std::unique_ptr<Proposer> proposer;
  std::unique_ptr<JobIdGenerator> ids;
  std::unique_ptr<Dispatcher> dispatcher;
  std::unique_ptr<TimedDuties> duties;
  // Housekeeping runs every second; a longer gap means this process was
  // paused (SIGSTOP, a frozen VM): its workers were not silent, it was deaf.
  StallWatch stalls{1000, 1000};
  std::vector<std::unique_ptr<LeaderTimer>> timers;  // modules on the leader's clock: cron
  std::unique_ptr<Waiters> waiters;
  std::unique_ptr<ClientApi> api;

  zmq::context_t context{1};
  // Every socket speaks CURVE with the group's keys; the ZAP handler
  // decides who gets in, the monitors report who failed the handshake.
  std::string group_key;
  const GroupKeys* keys = nullptr;
  std::unique_ptr<ZapHandler> zap;
  std::unique_ptr<HandshakeMonitor> client_monitor;
  std::unique_ptr<HandshakeMonitor> dispatch_monitor;
  std::unique_ptr<HandshakeMonitor> feed_monitor;
  RefusalLog refusals{log};
  std::optional<zmq::socket_t> client_socket;
  std::optional<zmq::socket_t> dispatch_socket;
  std::optional<zmq::socket_t> feed_socket;  // PUB on -p + 1
  std::unique_ptr<FeedPublisher> feed;
  std::unique_ptr<ZmqWatcher> client_watcher;
  std::unique_ptr<ZmqWatcher> dispatch_watcher;
  std::unique_ptr<ShellPool> shell_pool;
  ShellPoolOptions shell_pool_options;  // to start it afresh after an upgrade's rollback
  std::vector<std::unique_ptr<ShellPool>> retired_shell_pools;  // closed, freed with the node
  std::unique_ptr<ruby_pool::PoolManager> ruby_pools;
  std::unique_ptr<HttpGate> http;        // --http / --https only
  std::unique_ptr<Discovery> discovery;  // clustered nodes only
  std::unique_ptr<monitor::ResourceMonitor> resources;
  std::unique_ptr<PeerLinks> links;               // clustered nodes only
  std::unique_ptr<RaftDriver> raft;               // clustered nodes only
  std::unique_ptr<Forwarder> forwarder;           // clustered nodes only
  std::unique_ptr<HeldWrites> held_writes;        // clustered nodes only
  std::unique_ptr<WorkerRelay> relay;             // clustered nodes only
  std::unique_ptr<LeadershipHandoff> handoff;     // clustered nodes only
  std::unique_ptr<LogFile> log_file;              // --log-file only
  std::unique_ptr<metrics::NodeMetrics> metrics;  // --metrics only
  std::unique_ptr<ServiceNotifier> notifier;      // sd_notify, when a manager listens
  // Hot upgrade: the listeners it passes on, the old process's side, and
  // (in a process an upgrade started) the channel to the old one.
  std::unique_ptr<ListenerSet> listeners;
  std::unique_ptr<Upgrader> upgrader;
  std::optional<HandoverChild> handover;
  std::map<std::string, std::string> bound_endpoints;  // listener name -> endpoint
  bool released = false;     // the ZeroMQ listeners unbound for an upgrade
  std::string last_upgrade;  // what "upgrade" answers as the last outcome

  uv_prepare_t turn{};
  uv_timer_t deadline{};
  uv_timer_t housekeeping{};
  uv_timer_t grace{};
  uv_signal_t sigterm{};
  uv_signal_t sigint{};
  uv_signal_t sighup{};
  uv_signal_t sigusr2{};

  bool snapshot_in_flight = false;
  bool shutting_down = false;
  bool handing_back = false;
  bool closing = false;
  bool handed_over = false;  // a newer process serves: close at once, keep nothing
  int exit_code = 0;

  explicit Impl(NodeOptions o) : options(std::move(o)) {
    log.set_verbosity(options.verbosity);
    uv_loop_init(&loop);
  }

  Status start();
  Status start_discovery();
  void start_upgrades();
  Status begin_upgrade(const std::string& binary, Upgrader::Done done);
  std::vector<std::pair<zmq::socket_t*, const char*>> listener_sockets();
  void rebind_after_rollback();
  // Keeps an upgrade's outcome for the "upgrade" request to answer.
  void note_upgrade(const Status& outcome, std::int64_t pid);
  Status start_metrics();
  std::string service_status() const;
  void close_discovery(std::function<void()> done);
  protocol::NodesReply list_nodes() const;
  Status recover();
  Status start_security();
  void close_security(std::function<void()> done);
  void start_raft(const Recovery& recovery);
  void on_dispatch_message(std::vector<zmq::message_t>& parts);
  void on_relay_message(std::vector<zmq::message_t>& parts);
  void on_role(raft::Role role, std::uint64_t term);
  // A leader that takes writes is known: this node, unless it is handing
  // leadership over, or the one it follows.
  bool writes_have_a_leader() const;
  // Passes held writes on once a leader is known; refuses the expired.
  void pass_held_writes();
  void refuse_held_writes(const std::vector<HeldWrites::Held>& writes, const Status& status);
  bool leading() const { return !raft || raft->leading(); }
  // Jobs running on this node's workers: what shutdown waits for and hands
  // back (the state lists the whole cluster's).
  std::vector<JobId> running_here() const {
    std::vector<JobId> running = state.running_jobs();
    if (!raft) return running;
    std::erase_if(running, [this](JobId id) {
      const Job* job = state.find(id);
      return !job || job->node != node_id;
    });
    return running;
  }
  std::size_t own_running() const {
    if (!raft) return state.counts().by_state[static_cast<int>(JobState::running)];
    // A follower does not hand back (the leader does, by release or lease
    // expiry); it waits for the leases its workers hold.
    return leading() ? running_here().size() : relay->stats().held_leases;
  }
  Status bind_sockets();
  void on_turn();
  void on_applied(const Op& op, const ApplyResult& result);
  void maybe_snapshot();
  void begin_shutdown(const char* why);
  void hand_back_running();
  void finish_shutdown();
  void close_extras();
  void close_everything();
};

}  // namespace desaster
