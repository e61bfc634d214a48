#include "core/node/node.hpp"

#include "core/node/node_impl.hpp"

namespace desaster {

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

void Node::Impl::on_turn() {
  if (closing) return;
  if (upgrader->active()) {
    // Paused for a hot upgrade: only what is in flight commits, and held
    // writes go on (the pause waits for them).
    if (upgrader->paused()) {
      journal->flush();
      if (held_writes && !held_writes->empty()) pass_held_writes();
      if (forwarder) forwarder->expire(static_cast<TimeMs>(uv_now(&loop)));
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
  if (forwarder) forwarder->expire(static_cast<TimeMs>(uv_now(&loop)));
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

int Node::run() {
  uv_run(&impl_->loop, UV_RUN_DEFAULT);
  return impl_->exit_code;
}

}  // namespace desaster
