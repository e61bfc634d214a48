#include "core/node/node.hpp"

#include "core/node/node_impl.hpp"

namespace desaster {

namespace {

TimeMs wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

constexpr int kSocketHighWaterMark = 100'000;
// A commit this small runs on the loop thread when the journal is idle: one
// request's enqueue (~200 bytes with a 100-byte payload), or a round trip's
// lease and report together (~140). Larger commits are a busy node's (a
// drain's batches of leases and reports) and keep overlapping the loop's
// work on the pool: at 4 KiB, drains fell to 60-70 % (A/B on this machine).
constexpr std::size_t kInlineCommitBytes = 512;

// A listener's name on the hot upgrade's channel (one word).
const char* listener_name(ListenSocket which) {
  switch (which) {
    case ListenSocket::client:
      return "client";
    case ListenSocket::feed:
      return "feed";
    default:
      return "dispatch";
  }
}

template <typename Handle>
void close_handle(Handle* handle) {
  uv_close(reinterpret_cast<uv_handle_t*>(handle), nullptr);
}

}  // namespace

Node::Node(NodeOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Node::~Node() {
  if (!impl_ || uv_loop_close(&impl_->loop) != UV_EBUSY) return;
  // Only a node with an HTTP front end stops its loop with handles open
  // (close_everything: h2o cannot close an idle keep-alive connection at
  // once). That memory goes with the process; it stays reachable from here,
  // so a leak checker does not report the loop and h2o's context as lost.
  [[maybe_unused]] static Impl* volatile left_to_exit = nullptr;
  left_to_exit = impl_.release();
}

Status Node::start() {
  Status s = impl_->start();
  if (impl_->handover) {
    if (s.ok()) {
      impl_->handover->ready();
    } else {
      impl_->handover->fail(s.message);
    }
    impl_->handover.reset();
  }
  return s;
}

Status Node::Impl::start() {
  // SIGUSR2 would kill a process that has not set its handler yet (an
  // upgrade asked for again as soon as LOCK names the new pid).
  ::signal(SIGUSR2, SIG_IGN);
  if (!options.log_file.empty()) {
    log_file = std::make_unique<LogFile>(&loop, log, options.log_file);
    if (Status s = log_file->start(); !s.ok()) return s;
  }
  // The keys first: deriving them takes a while, and an upgrade's old
  // process pauses only once this one is about to take over.
  if (Status s = start_security(); !s.ok()) return s;
  handover = HandoverChild::from_environment();
  if (handover) {
    last_upgrade = "started by a hot upgrade from pid " + std::to_string(::getppid());
    if (Status s = handover->take_over(static_cast<int>(options.upgrade_timeout_ms)); !s.ok())
      return s;
    listeners = std::make_unique<ListenerSet>(handover->take_listeners());
  } else {
    listeners = std::make_unique<ListenerSet>();
  }
  if (Status s = recover(); !s.ok()) return s;
  if (Status s = bind_sockets(); !s.ok()) return s;

  waiters = std::make_unique<Waiters>(&loop, state);
  dispatcher = std::make_unique<Dispatcher>(state, *proposer, log, node_id);
  duties = std::make_unique<TimedDuties>(state, *proposer);
  timers.push_back(std::make_unique<CronTimer>(state, *proposer, *ids, log));
  api = std::make_unique<ClientApi>(state, *proposer, *dispatcher, *waiters, log,
                                    NodeInfo{node_id, kVersion}, wall_clock_ms, *ids);
  api->set_protected(group_key == kDefaultGroupKey);
  proposer->set_applied_hook(
      [this](const Op& op, const ApplyResult& result) { on_applied(op, result); });
  feed = std::make_unique<FeedPublisher>(&*feed_socket, state);
  api->set_feed(feed.get());
  proposer->set_entry_hook([this](const LogEntry& entry) { feed->publish(entry); });
  if (raft) {
    raft->set_entry_hook([this](const LogEntry& entry) { feed->publish(entry); });
    raft->set_applied_hook(
        [this](const Op& op, const ApplyResult& result) { on_applied(op, result); });
    raft->set_role_hook([this](raft::Role role, std::uint64_t term) { on_role(role, term); });
    proposer->set_forward(
        [this](Op op, Proposer::Done done) { raft->propose(std::move(op), std::move(done)); });
  }

  client_watcher = std::make_unique<ZmqWatcher>(
      &loop, *client_socket,
      [this](std::vector<zmq::message_t>& parts) { api->on_message(client_watcher.get(), parts); });
  dispatch_watcher = std::make_unique<ZmqWatcher>(
      &loop, *dispatch_socket,
      [this](std::vector<zmq::message_t>& parts) { on_dispatch_message(parts); });

  // The first entry of every term: what ran under the last term runs again.
  // (A clustered node's Raft appends it as each new leader's first entry.)
  if (!raft)
    proposer->propose(LeaderStartOp{node_id}, [this](const Status& status, const ApplyResult& r) {
      if (!status.ok()) {
        log.error("cannot start term " + std::to_string(proposer->term()) + ": " + status.message);
        return;
      }
      if (!r.events.empty()) {
        log.info("handed " + std::to_string(r.events.size()) +
                 " jobs that were running before the restart back to their queues");
      }
    });

  uv_prepare_init(&loop, &turn);
  turn.data = this;
  uv_prepare_start(&turn, [](uv_prepare_t* h) noexcept { static_cast<Impl*>(h->data)->on_turn(); });
  uv_timer_init(&loop, &deadline);
  deadline.data = this;
  uv_timer_init(&loop, &grace);
  grace.data = this;
  uv_timer_init(&loop, &housekeeping);
  housekeeping.data = this;
  uv_timer_start(
      &housekeeping,
      [](uv_timer_t* h) noexcept {
        auto* self = static_cast<Impl*>(h->data);
        if (self->upgrader->paused()) return;  // proposes nothing meanwhile
        if (const TimeMs stalled = self->stalls.observe(wall_clock_ms()); stalled > 0) {
          self->log.warn("this node did not run for " + std::to_string(stalled) +
                         " ms (paused?); its workers' silence meanwhile is not held against them");
          self->dispatcher->excuse_silence(stalled);
          if (self->relay) self->relay->excuse_silence(stalled);
        }
        self->dispatcher->expire_silent_workers(wall_clock_ms());
        if (self->relay) self->relay->expire(wall_clock_ms());
        self->feed->heartbeat();
        if (self->resources) {
          self->resources->tick(wall_clock_ms());
          enforce_limits(self->resources->current(), self->shell_pool.get(), self->ruby_pools.get(),
                         wall_clock_ms());
        }
      },
      1000, 1000);
  uv_signal_init(&loop, &sigterm);
  sigterm.data = this;
  uv_signal_start(
      &sigterm,
      [](uv_signal_t* h, int) noexcept { static_cast<Impl*>(h->data)->begin_shutdown("SIGTERM"); },
      SIGTERM);
  uv_signal_init(&loop, &sigint);
  sigint.data = this;
  uv_signal_start(
      &sigint,
      [](uv_signal_t* h, int) noexcept { static_cast<Impl*>(h->data)->begin_shutdown("SIGINT"); },
      SIGINT);

  std::uint32_t concurrency = options.concurrency;
  if (concurrency == 0) concurrency = std::max(1u, std::thread::hardware_concurrency());
  const std::string local = options.bind_address == "0.0.0.0" ? "127.0.0.1" : options.bind_address;
  ShellPoolOptions pool;
  const std::string shell_endpoint = "tcp://" + local + ":" + std::to_string(options.port + 2);
  pool.endpoint = shell_endpoint;
  pool.keys = keys;
  pool.name = "shell@" + node_id.substr(0, 8);
  pool.slots = concurrency;
  pool.kill_grace_ms = options.kill_grace_ms;
  pool.limits =
      monitor::Limits{options.job_memory_mb, options.job_cpu_percent, options.limit_grace_ms};
  pool.log = [this](const std::string& line) { log.warn(line); };
  shell_pool_options = pool;
  shell_pool = std::make_unique<ShellPool>(&loop, context, std::move(pool));
  if (Status s = shell_pool->start(); !s.ok()) return s;

  // Ruby pools: those the recovered state declares for this node start now,
  // the rest as pool ops are applied.
  ruby_pool::RubyPoolOptions ruby;
  ruby.endpoint = shell_endpoint;
  ruby.keys = keys;
  ruby.kill_grace_ms = options.kill_grace_ms;
  ruby.log = [this](const std::string& line) { log.info(line); };
  if (const char* interpreter = std::getenv("DESASTER_RUBY"); interpreter && *interpreter) {
    ruby.ruby = interpreter;
  }
  // Jobs that enqueue (ActiveJob's retry_on, a job starting another) reach
  // this node, unless the node's environment names another one.
  if (!std::getenv("DESASTER_URL")) {
    ruby.env.push_back("DESASTER_URL=tcp://" + local + ":" + std::to_string(options.port));
  }
  ruby.env.push_back("DESASTER_KEY=" + group_key);
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  ruby_pools = std::make_unique<ruby_pool::PoolManager>(&loop, context, state, std::move(ruby),
                                                        node_id, host);
  api->set_pool_lister([this] { return ruby_pools->summaries(); });
  ruby_pools->reconcile();
  if (options.http.enabled()) {
    std::optional<HttpRemoteOptions> remote;
    if (!options.standalone)
      remote = HttpRemoteOptions{"tcp://" + local + ":" + std::to_string(options.port), keys};
    http =
        std::make_unique<HttpGate>(&loop, options.http, *ruby_pools, state, log, context, remote);
    // Through the ListenerSet: a hot upgrade passes the sockets on.
    if (Status s =
            http->start([this](const std::string& name, const std::string& host,
                               std::uint16_t port) { return listeners->for_uv(name, host, port); });
        !s.ok())
      return s;
    api->set_stats_extra([this](protocol::BodyWriter& body) { http->write_stats(body); });
  }
  uv_signal_init(&loop, &sighup);
  sighup.data = this;
  uv_signal_start(
      &sighup,
      [](uv_signal_t* h, int) noexcept {
        auto* self = static_cast<Impl*>(h->data);
        self->log.info("SIGHUP: reloading the Ruby pools");
        self->ruby_pools->reload_all();
      },
      SIGHUP);

  log.info(std::string("desaster ") + kVersion + " listening: clients on tcp://" +
           options.bind_address + ":" + std::to_string(options.port) + ", state feed on tcp://" +
           listen_address(ListenSocket::feed, options.bind_address, group_key == kDefaultGroupKey) +
           ":" + std::to_string(options.port + 1) + ", dispatch on tcp://" + options.bind_address +
           ":" + std::to_string(options.port + 2) + "; data in " + options.data_dir + "; " +
           std::to_string(concurrency) + " shell slots" +
           (options.standalone ? "; standalone" : "") + (http ? "; " + http->describe() : ""));
  if (!options.standalone) {
    if (Status s = start_discovery(); !s.ok()) return s;
  }
  api->set_nodes_lister([this] { return list_nodes(); });
  resources = std::make_unique<monitor::ResourceMonitor>(
      [this] { return tracked_processes(shell_pool.get(), ruby_pools.get()); });
  resources->tick(wall_clock_ms());  // the baseline the first percentages need
  api->set_resources_lister([this](const protocol::Resources& request) {
    return make_resources_reply(*resources, state, shell_pool.get(), node_id, request,
                                wall_clock_ms());
  });
  if (Status s = start_metrics(); !s.ok()) return s;
  // SIGUSR2 is handled before READY=1: a manager may send it at once.
  start_upgrades();
  notifier = std::make_unique<ServiceNotifier>(&loop, [this] { return service_status(); });
  notifier->ready();
  return {};
}

// What systemctl status shows beside the unit: the role and term.
std::string Node::Impl::service_status() const {
  const std::string role = !raft                    ? "standalone leader"
                           : raft->leading()        ? "leader"
                           : raft->leader().empty() ? "no leader known"
                                                    : "follower";
  const StateCounts counts = state.counts();
  return role + ", term " + std::to_string(proposer->term()) + ", " +
         std::to_string(counts.by_state[static_cast<int>(JobState::queued)]) + " queued, " +
         std::to_string(counts.by_state[static_cast<int>(JobState::running)]) + " running";
}

Status Node::Impl::start_metrics() {
  if (options.metrics_port == 0) return {};
  metrics::MetricsSources sources;
  sources.state = &state;
  sources.nodes = [this] { return list_nodes(); };
  sources.pools = [this] { return ruby_pools->summaries(); };
  sources.resources = [this] {
    return make_resources_reply(*resources, state, shell_pool.get(), node_id,
                                protocol::Resources{"none", 0}, wall_clock_ms());
  };
  sources.workers = [this] { return dispatcher->worker_slots(); };
  sources.now = wall_clock_ms;
  sources.version = kVersion;
  sources.extra = [this](metrics::Exposition& out) {
    if (http) http->write_metrics(out);
  };
  metrics = std::make_unique<metrics::NodeMetrics>(&loop, log, std::move(sources));
  journal->set_sync_observer([m = metrics.get()](double seconds) { m->on_journal_sync(seconds); });
  // Through the ListenerSet, as the HTTP front end's; an address it cannot
  // take gets MetricsServer's own message.
  Result<int> fd = listeners->for_uv("metrics", options.metrics_address, options.metrics_port);
  if (!fd.ok() && fd.status().code != ErrorCode::bad_request) {
    return Status::error(fd.status().code,
                         "cannot listen for metrics on " + options.metrics_address + ":" +
                             std::to_string(options.metrics_port) + ": " + fd.status().message);
  }
  return metrics->start(options.metrics_address, options.metrics_port, fd.ok() ? *fd : -1);
}

// A clustered node announces itself by beacon and keeps the table of the
// peers it hears. Raft replication over those peers is not wired in yet:
// until it is, the node schedules on its own, and says so once.
Status Node::Impl::start_discovery() {
  DiscoveryOptions discovery_options;
  discovery_options.bind_address = options.bind_address;
  discovery_options.broadcast_address = options.broadcast_address;
  discovery_options.beacon_port = options.port;
  discovery_options.peer_port = static_cast<std::uint16_t>(options.port + 2);
  discovery_options.node_id = node_id;
  discovery_options.flags = [this] {
    return static_cast<std::uint8_t>(raft && raft->in_cluster() ? kBeaconFlagInCluster : 0);
  };
  links = std::make_unique<PeerLinks>(&loop, context, *keys,
                                      [this](const std::string& from, std::string_view frame) {
                                        if (forwarder) forwarder->on_reply(from, frame);
                                      });
  forwarder = std::make_unique<Forwarder>(*links, log);
  // Every worker of a clustered node, the leader's own included, reaches
  // the leader's dispatcher through this node's relay.
  relay = std::make_unique<WorkerRelay>(
      node_id, log,
      [this](const std::string& leader, const std::string& worker, std::string_view frame) {
        return links->send_relay(leader, node_id, worker, frame);
      },
      [this](const Peer& worker, std::string_view frame) {
        if (leading()) api->on_worker_frame(worker, frame);
      });
  api->set_worker_relay(relay.get());
  links->set_relay_handler([this](const std::string& from, const RelayFrame& message) {
    // Only the node this node follows speaks for its workers' leases.
    if (message.node != node_id || raft->leader() != from) return;
    relay->deliver(std::string(message.worker), std::string(message.frame));
  });
  held_writes = std::make_unique<HeldWrites>(options.leaderless_hold_ms);
  api->set_write_forwarder([this](const Peer& peer, std::string_view frame) {
    if (!raft) return false;
    if (writes_have_a_leader())
      return !raft->leading() && forwarder->forward(raft->leader(), peer, frame);
    return raft->in_cluster() && !shutting_down &&
           held_writes->hold(peer, frame, static_cast<TimeMs>(uv_now(&loop)));
  });
  discovery = std::make_unique<Discovery>(
      &loop, std::move(discovery_options), *keys, log,
      [this](const DiscoveredPeer& peer, bool found) {
        if (found) {
          links->connect(peer.node_id,
                         "tcp://" + peer.address + ":" + std::to_string(peer.peer_port));
        } else {
          links->disconnect(peer.node_id);
        }
      });
  if (Status s = discovery->start(); !s.ok()) {
    return Status::error(s.code, "cannot start beacons on udp " + options.broadcast_address + ":" +
                                     std::to_string(options.port) + ": " + s.message);
  }
  log.info(
      "beacons to " + options.broadcast_address + ":" + std::to_string(options.port) + " from " +
      options.bind_address +
      (group_key == kDefaultGroupKey ? " with the default group key" : " with this group's key"));
  api->set_force_recovery(
      [this](const protocol::ForceRecovery& request) -> Result<protocol::ForceRecoveryReply> {
        Result<RaftDriver::ForcedRecovery> done = raft->force_recovery(request.accept_risk);
        if (!done.ok()) return done.status();
        return protocol::ForceRecoveryReply{node_id, done->term, done->index, done->dropped};
      });
  handoff = std::make_unique<LeadershipHandoff>(*raft);
  api->set_transfer_handler(
      [this](const protocol::TransferLeadership& request, ClientApi::TransferReply reply) {
        handoff->begin(request.node, std::move(reply));
      });
  raft->start();
  return {};
}

protocol::NodesReply Node::Impl::list_nodes() const {
  protocol::NodesReply reply;
  reply.mode = options.standalone ? "standalone" : "clustered";
  std::map<std::string, MemberStatus> members;
  if (raft) {
    for (MemberStatus& m : raft->members()) members.emplace(m.node_id, std::move(m));
  }
  auto lag_of = [&](const std::string& id) -> std::optional<std::uint64_t> {
    auto it = members.find(id);
    if (it == members.end() || !it->second.known_match) return std::nullopt;
    const std::uint64_t last = raft->last_index();
    return last > it->second.match ? last - it->second.match : 0;
  };
  protocol::NodeSummary self;
  self.node = node_id;
  self.address = options.bind_address;
  self.port = static_cast<std::uint16_t>(options.port + 2);
  // A standalone node is a one-voter cluster: it always leads.
  self.role = "leader";
  if (raft) {
    auto it = members.find(node_id);
    self.role = it != members.end() ? it->second.role : "joining";
  }
  self.self = true;
  self.term = proposer->term();
  self.index = state.applied_index();
  self.commit = raft ? raft->commit() : state.applied_index();
  self.lag = raft ? lag_of(node_id) : std::optional<std::uint64_t>(0);
  // Running jobs per node from the replicated state; free slots from the
  // leader's dispatcher (it sees every node's workers) or, on a follower,
  // from its own relay.
  std::map<std::string, std::uint32_t> running_by_node;
  for (JobId id : state.running_jobs()) {
    if (const Job* job = state.find(id)) ++running_by_node[job->node];
  }
  const std::map<std::string, NodeSlots> slots =
      leading() ? dispatcher->slots_by_node() : std::map<std::string, NodeSlots>{};
  auto free_of = [&](const std::string& id) -> std::uint32_t {
    auto it = slots.find(id);
    return it == slots.end() ? 0 : it->second.free;
  };
  self.running = raft ? running_by_node[node_id]
                      : static_cast<std::uint32_t>(
                            state.counts().by_state[static_cast<int>(JobState::running)]);
  self.free_slots = !raft       ? static_cast<std::uint32_t>(dispatcher->stats().free_slots)
                    : leading() ? free_of(node_id)
                                : relay->stats().free_slots;
  self.draining = state.assignments().node_draining(node_id);
  reply.nodes.push_back(std::move(self));
  std::set<std::string> listed{node_id};
  if (discovery) {
    for (const DiscoveredPeer& peer : discovery->peers()) {
      protocol::NodeSummary node;
      node.node = peer.node_id;
      node.address = peer.address;
      node.port = peer.peer_port;
      auto it = members.find(peer.node_id);
      node.role = it != members.end() ? it->second.role : "discovered";
      node.last_seen_ms = peer.last_seen_ms;
      node.draining = state.assignments().node_draining(peer.node_id);
      node.lag = lag_of(peer.node_id);
      node.running = running_by_node[peer.node_id];
      node.free_slots = free_of(peer.node_id);
      listed.insert(peer.node_id);
      reply.nodes.push_back(std::move(node));
    }
    reply.beacons_dropped = discovery->dropped();
  }
  // Members no beacon was heard from lately (gone, or not yet heard).
  for (const auto& [id, member] : members) {
    if (listed.count(id)) continue;
    protocol::NodeSummary node;
    node.node = id;
    node.role = member.role;
    node.lag = lag_of(id);
    node.running = running_by_node[id];
    node.free_slots = free_of(id);
    reply.nodes.push_back(std::move(node));
  }
  return reply;
}

Status Node::Impl::recover() {
  Recovery recovery;
  JournalOptions journal_options;
  journal_options.truncate_corrupt = options.truncate_corrupt_journal;
  if (handover) journal_options.inherited_lock_fd = handover->release_lock();
  // Standalone: a lone small commit skips the thread pool (no Raft code
  // around the journal to re-enter from inside flush()).
  if (options.standalone) journal_options.inline_commit_bytes = kInlineCommitBytes;
  Result<std::unique_ptr<Journal>> opened =
      Journal::open(&loop, options.data_dir, journal_options, recovery);
  if (!opened.ok()) return opened.status();
  journal = std::move(*opened);
  for (const std::string& note : recovery.notes) log.warn("recovery: " + note);

  Result<std::string> id = load_or_create_node_id(options.data_dir);
  if (!id.ok()) return id.status();
  node_id = *id;
  log.set_node(node_id.substr(0, 8));

  std::uint64_t last_term = 0;
  if (recovery.snapshot) {
    // A clustered node's snapshot carries the membership too.
    Result<raft::StoredSnapshot> stored = raft::decode_stored_snapshot(recovery.snapshot->state);
    if (!stored.ok()) {
      return Status::error(ErrorCode::corrupt, "snapshot at index " +
                                                   std::to_string(recovery.snapshot->index) +
                                                   " does not decode: " + stored.status().message);
    }
    Result<State> restored = State::decode_snapshot(stored->data);
    if (!restored.ok()) {
      return Status::error(ErrorCode::corrupt,
                           "snapshot at index " + std::to_string(recovery.snapshot->index) +
                               " does not decode: " + restored.status().message);
    }
    state = std::move(*restored);
    last_term = recovery.snapshot->term;
  }
  proposer = std::make_unique<Proposer>(*journal, state, log, wall_clock_ms);
  if (!options.standalone) {
    // Raft hands the log's committed entries out again to be applied.
    start_raft(recovery);
  } else if (Status s = proposer->replay(recovery.entries); !s.ok()) {
    return s;
  }
  last_term = std::max({last_term, journal->last_term(), state.applied_term()});
  // A standalone node is a one-voter cluster that wins every election: each
  // start is a new term, so leases of the last run are told apart.
  if (raft) {
    proposer->set_term(raft->term());
    log.set_term(raft->term());
  } else {
    proposer->set_term(last_term + 1);
    log.set_term(last_term + 1);
  }

  std::uint32_t tag = 0;
  for (char c : node_id) tag = tag * 31 + static_cast<unsigned char>(c);
  ids = std::make_unique<JobIdGenerator>(tag);
  ids->observe(state.max_job_id());

  StateCounts counts = state.counts();
  log.info("recovered " + std::to_string(counts.total()) + " jobs up to index " +
           std::to_string(state.applied_index()) +
           (recovery.snapshot ? " (snapshot at " + std::to_string(recovery.snapshot->index) + ", " +
                                    std::to_string(recovery.entries.size()) + " entries after it)"
                              : " (" + std::to_string(recovery.entries.size()) + " entries)"));
  return {};
}

// The group key gives the CURVE keys (Argon2id: a fraction of a second, once).
// The ZAP handler must answer before the first socket binds: without one,
// libzmq 4.3 lets any CURVE client in.
Status Node::Impl::start_security() {
  group_key = resolve_group_key(options.group_key);
  Result<const GroupKeys*> derived = group_keys(group_key);
  if (!derived.ok()) return derived.status();
  keys = *derived;
  zap = std::make_unique<ZapHandler>(&loop, context, *keys, [this](const ZapRefusal& refusal) {
    refusals.note(refusal.mechanism + " " + refusal.reason, refusal.address, wall_clock_ms());
  });
  if (Status s = zap->start(); !s.ok()) return s;
  if (group_key == kDefaultGroupKey && options.bind_address.rfind("127.", 0) != 0) {
    log.warn("protected mode: running with the default group key on " + options.bind_address +
             ", so this node serves clients on its own machine only; give every node and "
             "client a key of your own (-k or " +
             kGroupKeyEnvironment + ")");
    if (!options.standalone) {
      log.warn(
          "THIS CLUSTER IS OPEN TO THE LAN: with the public default key any machine that "
          "can reach port " +
          std::to_string(options.port + 2) +
          " can join as a node and run jobs; set a key of your own (-k or " + kGroupKeyEnvironment +
          ")");
    }
  }
  return {};
}

void Node::Impl::close_security(std::function<void()> done) {
  client_monitor->close([this, done = std::move(done)]() mutable {
    dispatch_monitor->close([this, done = std::move(done)]() mutable {
      feed_monitor->close(
          [this, done = std::move(done)]() mutable { zap->close(std::move(done)); });
    });
  });
}

Status Node::Impl::bind_sockets() {
  auto bind = [this](std::optional<zmq::socket_t>& socket,
                     std::unique_ptr<HandshakeMonitor>& monitor, std::uint16_t port,
                     const char* what, zmq::socket_type type, ListenSocket which) -> Status {
    const std::string endpoint =
        "tcp://" + listen_address(which, options.bind_address, group_key == kDefaultGroupKey) +
        ":" + std::to_string(port);
    try {
      socket.emplace(context, type);
      socket->set(zmq::sockopt::linger, 0);
      socket->set(zmq::sockopt::sndhwm, kSocketHighWaterMark);
      socket->set(zmq::sockopt::rcvhwm, kSocketHighWaterMark);
      limit_listen_socket(*socket, which, options.max_request_bytes);
      if (Status s = make_curve_server(*socket, *keys); !s.ok()) return s;
      monitor = std::make_unique<HandshakeMonitor>(
          &loop, context, *socket, [this](const HandshakeFailure& failure) {
            refusals.note(failure.reason, "a peer on " + failure.endpoint, wall_clock_ms());
          });
      if (Status s = monitor->start(); !s.ok()) return s;
      Result<int> fd = listeners->for_zmq(
          listener_name(which),
          listen_address(which, options.bind_address, group_key == kDefaultGroupKey), port);
      if (!fd.ok()) {
        if (fd.status().code != ErrorCode::unavailable) return fd.status();
        errno = EADDRINUSE;
        throw zmq::error_t();
      }
      if (*fd >= 0) socket->set(zmq::sockopt::use_fd, *fd);
      socket->bind(endpoint);
      bound_endpoints[listener_name(which)] = endpoint;
    } catch (const zmq::error_t& e) {
      if (e.num() == EADDRINUSE) {
        return Status::error(
            ErrorCode::unavailable,
            std::string(what) + " port " + std::to_string(port) + " on " +
                listen_address(which, options.bind_address, group_key == kDefaultGroupKey) +
                " is in use (another desaster on this port? try -p)");
      }
      return Status::error(ErrorCode::unavailable,
                           std::string("cannot bind ") + what + " " + endpoint + ": " + e.what());
    }
    return {};
  };
  if (Status s = bind(client_socket, client_monitor, options.port, "client",
                      zmq::socket_type::router, ListenSocket::client);
      !s.ok())
    return s;
  if (Status s = bind(feed_socket, feed_monitor, static_cast<std::uint16_t>(options.port + 1),
                      "state feed", zmq::socket_type::pub, ListenSocket::feed);
      !s.ok())
    return s;
  return bind(dispatch_socket, dispatch_monitor, static_cast<std::uint16_t>(options.port + 2),
              "dispatch", zmq::socket_type::router, ListenSocket::dispatch);
}

void Node::Impl::on_turn() {
  if (closing) return;
  if (upgrader->active()) {
    // Paused for a hot upgrade: only what is in flight commits, and held
    // writes go on (the pause waits for them).
    if (upgrader->paused()) {
      journal->flush();
      if (held_writes && !held_writes->empty()) pass_held_writes();
    }
    upgrader->on_turn();
    if (upgrader->paused()) return;
  }
  const TimeMs now = wall_clock_ms();
  // Only the leader decides leases, promotions, expiries and purges.
  if (leading()) {
    dispatcher->tick(now);
    if (!shutting_down) duties->tick(now);
    if (!shutting_down) {
      for (auto& timer : timers) timer->tick(now);
    }
  }
  if (raft) raft->on_turn();
  if (handoff) handoff->on_turn();
  if (relay) relay->follow(raft->leader(), raft->term());
  if (held_writes && !held_writes->empty()) pass_held_writes();
  // A standalone node's small commit may finish inside flush() (see
  // JournalOptions::inline_commit_bytes): what it applied (a job a waiting
  // worker can take, a lease to journal) is for the next turn, which must
  // come at once rather than when the loop next wakes.
  const std::uint64_t durable_before = journal->durable_index();
  const bool defer_flush = !shutting_down && proposer->may_defer_flush(now);
  if (!defer_flush) {
    proposer->flushed();  // first: what an inline commit's callback appends is not flushed
    journal->flush();
  }
  const bool committed_here = journal->durable_index() != durable_before;
  if (!raft) maybe_snapshot();
  if (shutting_down && !handing_back && own_running() == 0 && proposer->in_flight() == 0 &&
      (!raft || raft->in_flight() == 0)) {
    finish_shutdown();
    return;
  }
  std::optional<TimeMs> next = duties->next_deadline(now);
  if (defer_flush && (!next || proposer->deferred_flush_due() < *next))
    next = proposer->deferred_flush_due();
  for (const auto& timer : timers) {
    if (!leading()) break;
    std::optional<TimeMs> t = timer->next_deadline(now);
    if (t && (!next || *t < *next)) next = t;
  }
  if (next && !shutting_down) {
    uv_timer_start(
        &deadline, [](uv_timer_t*) noexcept {}, static_cast<std::uint64_t>(*next - now), 0);
  } else {
    uv_timer_stop(&deadline);
  }
  if (committed_here)
    uv_timer_start(
        &deadline, [](uv_timer_t*) noexcept {}, 0, 0);
}

void Node::Impl::on_applied(const Op& op, const ApplyResult& result) {
  dispatcher->on_applied(op, result);
  waiters->on_events(result.events);
  if (metrics) metrics->on_applied(op, result);
  if (ruby_pools &&
      (std::holds_alternative<PoolDeclareOp>(op) || std::holds_alternative<PoolRemoveOp>(op) ||
       std::holds_alternative<PoolReloadOp>(op))) {
    ruby_pools->reconcile();
  }
}

void Node::Impl::maybe_snapshot() {
  if (snapshot_in_flight || journal->bytes_since_snapshot() < options.snapshot_bytes) return;
  snapshot_in_flight = true;
  Snapshot snapshot{state.applied_index(), state.applied_term(), state.encode_snapshot()};
  log.info("writing a snapshot at index " + std::to_string(snapshot.index) + " (" +
           std::to_string(snapshot.state.size()) + " bytes)");
  journal->write_snapshot(std::move(snapshot), [this](const Status& status) {
    snapshot_in_flight = false;
    if (!status.ok()) log.error("snapshot failed: " + status.message);
  });
}

bool Node::Impl::writes_have_a_leader() const {
  return raft->leading() ? raft->transferee().empty() : !raft->leader().empty();
}

void Node::Impl::pass_held_writes() {
  if (writes_have_a_leader()) {
    for (const HeldWrites::Held& write : held_writes->take_all())
      api->resume_write(write.client, write.frame);
    return;
  }
  refuse_held_writes(
      held_writes->take_expired(static_cast<TimeMs>(uv_now(&loop))),
      Status::error(ErrorCode::unavailable,
                    raft->leading() ? "this node is handing leadership over and no other node "
                                      "took it within --leaderless-hold; try again"
                                    : raft->not_leader_message()));
}

void Node::Impl::refuse_held_writes(const std::vector<HeldWrites::Held>& writes,
                                    const Status& status) {
  for (const HeldWrites::Held& write : writes) api->refuse_write(write.client, write.frame, status);
}

void Node::Impl::begin_shutdown(const char* why) {
  if (shutting_down) {
    log.info(std::string(why) + " again: handing back running jobs now");
    hand_back_running();
    return;
  }
  shutting_down = true;
  if (held_writes)
    refuse_held_writes(held_writes->take_all(),
                       Status::error(ErrorCode::unavailable, "the node is shutting down"));
  if (notifier) notifier->stopping();
  api->set_draining(true);
  dispatcher->set_draining(true);
  const auto running = own_running();
  log.info(std::string(why) + ": shutting down; " + std::to_string(running) +
           " running jobs may finish within " + std::to_string(options.shutdown_grace_ms / 1000) +
           " s");
  uv_timer_start(
      &grace, [](uv_timer_t* h) noexcept { static_cast<Impl*>(h->data)->hand_back_running(); },
      options.shutdown_grace_ms, 0);
}

void Node::Impl::hand_back_running() {
  if (handing_back || closing) return;
  handing_back = true;
  uv_timer_stop(&grace);
  std::vector<JobId> running;
  if (leading()) running = running_here();
  if (running.empty()) {
    handing_back = false;
    return;
  }
  log.info("handing back " + std::to_string(running.size()) + " running jobs to their queues");
  proposer->propose(ReleaseOp{std::move(running), false, "node shut down"},
                    [this](const Status& status, const ApplyResult&) {
                      if (!status.ok()) {
                        log.error("could not hand back running jobs: " + status.message);
                        exit_code = 1;
                      }
                      handing_back = false;
                      finish_shutdown();
                    });
}

void Node::Impl::finish_shutdown() {
  if (closing) return;
  closing = true;
  waiters->answer_all();
  uv_prepare_stop(&turn);
  uv_timer_stop(&deadline);
  uv_timer_stop(&grace);
  uv_timer_stop(&housekeeping);
  uv_signal_stop(&sigterm);
  uv_signal_stop(&sigint);
  uv_signal_stop(&sighup);
  uv_signal_stop(&sigusr2);
  if (raft) raft->close();
  if (http) http->close();
  // The goodbye beacon goes first, so peers drop this node at once.
  auto close_rest = [this] {
    // The listeners first: after a hot upgrade each connection this process
    // still holds is one a client waits on to reconnect to the new one.
    client_watcher->close([this] {
      dispatch_watcher->close([this] {
        if (handed_over) {
          client_socket->close();
          dispatch_socket->close();
        }
        close_discovery([this] {
          ruby_pools->close([this] {
            shell_pool->close([this] {
              close_security([this] {
                journal->close([this] { upgrader->close([this] { close_extras(); }); });
              });
            });
          });
        });
      });
    });
  };
  if (metrics) {
    metrics->close(close_rest);
  } else {
    close_rest();
  }
}

void Node::Impl::close_extras() {
  auto rest = [this] {
    if (log_file) {
      log_file->close([this] { close_everything(); });
    } else {
      close_everything();
    }
  };
  if (notifier) {
    notifier->close(rest);
  } else {
    rest();
  }
}

void Node::Impl::close_discovery(std::function<void()> done) {
  if (!discovery) {
    done();
    return;
  }
  // After a hot upgrade the node stays: no goodbye, or peers would drop it
  // (and its successor) until its next beacon.
  discovery->close(
      [this, done = std::move(done)]() mutable {
        if (links) {
          links->close(std::move(done));
        } else {
          done();
        }
      },
      !handed_over);
}

void Node::Impl::start_raft(const Recovery& recovery) {
  RaftDriverOptions raft_options;
  raft_options.node_id = node_id;
  raft_options.autopilot.voter_timeout_ms = options.voter_timeout_ms;
  raft_options.snapshot_every_bytes = options.snapshot_bytes;
  raft = std::make_unique<RaftDriver>(
      &loop, *journal, state, log, wall_clock_ms, std::move(raft_options), recovery,
      [this](const std::string& peer, std::string_view message) {
        return links && links->send_raft(peer, message);
      },
      [this] { return discovery ? discovery->peers() : std::vector<DiscoveredPeer>{}; });
}

// The node's ROUTER on -p + 2 carries Raft from peers beside its workers.
void Node::Impl::on_dispatch_message(std::vector<zmq::message_t>& parts) {
  if (parts.size() >= 2 && parts[1].to_string_view() == kRelayFrameTag) {
    on_relay_message(parts);
    return;
  }
  if (std::optional<std::string_view> message = raft_payload(parts)) {
    // Clients hold the group key too, but present the client keypair: only
    // a connection the ZAP handler admitted as a node may speak Raft.
    const char* user = parts.back().gets("User-Id");
    if (user == nullptr || std::string_view(user) != to_string(CurveIdentity::node)) {
      refusals.note("a Raft message on a client's connection", "a client", wall_clock_ms());
      return;
    }
    if (raft) raft->on_message(*message);
    return;
  }
  api->on_message(dispatch_watcher.get(), parts);
}

// A follower's worker frame: only a node may relay, and only the leader
// takes it (the follower registers its workers again once it learns who
// leads).
void Node::Impl::on_relay_message(std::vector<zmq::message_t>& parts) {
  const char* user = parts.back().gets("User-Id");
  if (user == nullptr || std::string_view(user) != to_string(CurveIdentity::node)) {
    refusals.note("a relayed worker message on a client's connection", "a client", wall_clock_ms());
    return;
  }
  std::vector<std::string_view> views;
  for (std::size_t i = 1; i < parts.size(); ++i) views.push_back(parts[i].to_string_view());
  Result<RelayFrame> relayed = decode_relay_frame(views);
  if (!relayed.ok()) {
    log.warn("dropped a relay message: " + relayed.status().message);
    return;
  }
  if (!leading()) return;
  api->on_worker_frame(Peer{dispatch_watcher.get(), parts[0].to_string(),
                            std::string(relayed->node), std::string(relayed->worker), nullptr},
                       relayed->frame);
}

void Node::Impl::on_role(raft::Role role, std::uint64_t term) {
  proposer->set_term(term);
  if (role != raft::Role::leader) dispatcher->forget_workers();
  if (forwarder && forwarder->in_flight() > 0) {
    forwarder->fail_all(Status::error(
        ErrorCode::unavailable,
        "the leader changed while the request was forwarded to it; it may have been applied"));
  }
  if (role == raft::Role::leader) ids->observe(state.max_job_id());
}

void Node::Impl::close_everything() {
  client_socket.reset();
  dispatch_socket.reset();
  feed.reset();
  feed_socket.reset();
  close_handle(&turn);
  close_handle(&deadline);
  close_handle(&grace);
  close_handle(&housekeeping);
  close_handle(&sigterm);
  close_handle(&sigint);
  close_handle(&sighup);
  close_handle(&sigusr2);
  // h2o offers no way to close an idle keep-alive connection at once; they
  // are dropped with the process rather than kept for their read timeout.
  if (http) uv_stop(&loop);
  log.info("stopped; journal flushed up to index " + std::to_string(state.applied_index()));
}

int Node::run() {
  uv_run(&impl_->loop, UV_RUN_DEFAULT);
  return impl_->exit_code;
}

}  // namespace desaster
