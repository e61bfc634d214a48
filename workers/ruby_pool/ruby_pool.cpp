// RubyPool's lifecycle, its side of the dispatch protocol and the events of
// its master processes; see ruby_pool.hpp.
#include "workers/ruby_pool/ruby_pool.hpp"

#include <algorithm>
#include <variant>

#include <msgpack.hpp>

#include "core/model/job_id.hpp"
#include "transport/protocol/leased_job.hpp"
#include "transport/protocol/replies.hpp"
#include "transport/security/curve_socket.hpp"
#include "workers/ruby_pool/ruby_pool_impl.hpp"

namespace desaster::ruby_pool {

namespace {

std::vector<std::string> queue_names(const PoolSpec& spec) {
  std::vector<std::string> names;
  for (const PoolQueue& q : spec.queues) names.push_back(q.name);
  if (names.empty()) names.push_back("*");
  return names;
}

template <typename Handle>
void close_and_delete(Handle*& handle) {
  if (!handle) return;
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) { delete reinterpret_cast<Handle*>(h); });
  handle = nullptr;
}

}  // namespace

RubyPool::Impl::Impl(uv_loop_t* l, zmq::context_t& c, PoolSpec s, RubyPoolOptions o)
    : loop(l), context(c), spec(std::move(s)), options(std::move(o)) {
  target = spec.min_workers;
  backoff = options.backoff_min_ms;
  master_backoff = options.backoff_min_ms;
}

void RubyPool::Impl::log(const std::string& line) const {
  if (options.log) options.log("pool " + spec.name + ": " + line);
}

Status RubyPool::Impl::connect() {
  try {
    socket.emplace(context, zmq::socket_type::dealer);
    socket->set(zmq::sockopt::linger, 0);
    if (options.keys == nullptr) {
      return Status::error(ErrorCode::internal, "pool " + spec.name + " has no group keys");
    }
    if (Status s = make_curve_client(*socket, *options.keys, CurveIdentity::client); !s.ok()) {
      return s;
    }
    socket->connect(options.endpoint);
  } catch (const zmq::error_t& e) {
    return Status::error(ErrorCode::unavailable, "pool " + spec.name + " cannot connect to " +
                                                     options.endpoint + ": " + e.what());
  }
  watcher = std::make_unique<ZmqWatcher>(
      loop, *socket, [this](std::vector<zmq::message_t>& parts) { on_dispatch_message(parts); });
  registered_queues = queue_names(spec);
  registered_kinds = pool_kinds(spec);
  // No credit yet: leases come once workers are ready. batch: leases come
  // several to a "leases" push, and the answer says whether the node takes
  // "reports" (it is this node, so it does; the answer is read all the same).
  protocol::WorkerHello hello{"ruby:" + spec.name + "@" + options.node_tag,
                              registered_queues,
                              registered_kinds,
                              0,
                              spec.name,
                              {}};
  hello.batch = true;
  hello_request = next_request_id;
  send(std::move(hello));
  credit = 0;
  return {};
}

void RubyPool::Impl::send(protocol::RequestBody body) {
  if (!watcher) return;
  // Reports held this turn go before anything else, so the node sees
  // credit, withdrawals and reports in the order they happened here.
  const bool report = std::holds_alternative<protocol::Report>(body) ||
                      std::holds_alternative<protocol::Reports>(body);
  if (reports && !report) reports->flush();
  protocol::Request request{next_request_id++, std::move(body)};
  std::string frame = protocol::encode_request(request);
  std::vector<zmq::message_t> parts;
  parts.emplace_back(frame.data(), frame.size());
  watcher->send(std::move(parts));
}

void RubyPool::Impl::on_dispatch_message(std::vector<zmq::message_t>& parts) {
  if (parts.size() != 1 || closing) return;
  auto reply = protocol::decode_reply(
      std::string_view(static_cast<const char*>(parts[0].data()), parts[0].size()));
  if (!reply.ok()) {
    log("undecodable message from the dispatcher: " + reply.status().message);
    return;
  }
  if (reply->id != 0) {
    if (reply->id == hello_request) {
      protocol::WorkerReply answer;
      node_takes_reports =
          reply->status.ok() && protocol::decode_body(reply->body, answer).ok() && answer.batch;
    }
    if (!reply->status.ok()) log("the dispatcher answered " + reply->status.message);
    return;
  }
  if (reply->type == protocol::kCancelPush) {
    protocol::CancelPush push;
    if (Status s = protocol::decode_body(reply->body, push); !s.ok()) {
      log("bad cancel: " + s.message);
      return;
    }
    cancel(push);
    return;
  }
  if (reply->type == protocol::kLeasesPush) {
    protocol::LeasesPush push;
    // As a "lease" we cannot read: its leases expire on the node.
    if (Status s = protocol::decode_body(reply->body, push); !s.ok()) {
      log("bad leases: " + s.message);
      return;
    }
    on_leases(std::move(push));
    return;
  }
  if (reply->type != protocol::kLeasePush) return;
  protocol::LeasePush lease;
  if (Status s = protocol::decode_body(reply->body, lease); !s.ok()) {
    log("bad lease: " + s.message);
    return;
  }
  on_lease(std::move(lease.job), lease.term);
}

void RubyPool::Impl::on_lease(Job job, std::uint64_t term) {
  if (credit > 0) --credit;
  held.push_back(HeldLease{std::move(job), term});
  step();
}

void RubyPool::Impl::on_leases(protocol::LeasesPush push) {
  for (protocol::SlimLease& slim : push.leases) {
    if (credit > 0) --credit;
    held.push_back(HeldLease{protocol::leased_job(std::move(slim), push.term), push.term});
  }
  step();
}

void RubyPool::Impl::report(const RunningJob& job, Outcome outcome, std::string error,
                            std::string output, std::uint64_t rss_kb) {
  if (job.transient) return end_transient(job, outcome, std::move(error), std::move(output));
  note_job_run(job);
  protocol::Report r;
  r.id = job.id;
  r.term = job.term;
  r.attempt = job.attempt;
  r.outcome = outcome;
  r.exit_status = outcome == Outcome::succeeded ? 0 : 1;
  r.error = std::move(error);
  r.output = std::move(output);
  r.max_rss_kb = rss_kb;
  ++credit;  // a report gives its slot back
  // Held to the end of this loop turn (ReportBatch): the node makes no
  // difference between one report and several until they are applied.
  if (node_takes_reports && reports) return reports->add(std::move(r));
  send(std::move(r));
}

void RubyPool::Impl::note_job_run(const RunningJob& job) {
  if (job.started_ns == 0) return;
  const double us = static_cast<double>(uv_hrtime() - job.started_ns) / 1000.0;
  ++job_runs;
  // About the last 8 jobs, as note_transient_run.
  job_us = job_runs == 1 ? us : job_us + (us - job_us) / 8;
}

std::uint64_t RubyPool::Impl::lease_ahead() const {
  if (job_runs < 8 || job_us > static_cast<double>(kLeaseAheadMaxUs)) return 0;
  if (std::find(registered_kinds.begin(), registered_kinds.end(), JobKind::http) !=
      registered_kinds.end())
    return 0;
  std::uint64_t ahead = 0;
  for (const auto& [slot, w] : workers)
    if ((w->state == WorkerState::idle || w->state == WorkerState::busy) && !outdated(*w) &&
        !w->retire_after_job)
      ++ahead;
  return ahead;
}

void RubyPool::Impl::end_transient(const RunningJob& job, Outcome outcome, std::string error,
                                   std::string output, std::optional<RackReply> reply) {
  auto it = transients.find(job.id);
  if (it == transients.end()) return;
  TransientDone done = std::move(it->second);
  transients.erase(it);
  TransientEnd end;
  end.outcome = outcome;
  end.worker_lost = job.lost;
  end.not_started = job.not_started;
  end.error = std::move(error);
  end.output = std::move(output);
  end.reply = std::move(reply);
  end.worker_slot = job.slot;
  end.worker_pid = job.pid;
  if (done) done(std::move(end));
}

// Tells the owner a worker is free, once per loop turn and never from inside
// step(): the owner may start a transient job, which changes the workers.
void RubyPool::Impl::notice_idle() {
  if (closing || !options.on_worker_idle || !idle_notice || idle_notice_pending) return;
  if (!held.empty() || (count_idle() == 0 && !pipeline_slot())) return;
  idle_notice_pending = true;
  uv_idle_start(idle_notice, [](uv_idle_t* h) noexcept {
    auto* self = static_cast<Impl*>(h->data);
    uv_idle_stop(h);
    self->idle_notice_pending = false;
    if (!self->closing && self->options.on_worker_idle) self->options.on_worker_idle();
  });
}

void RubyPool::Impl::refuse(const Job& job, std::uint64_t term, const std::string& error) {
  RunningJob running{job.id, term, job.attempts, 0, 0, job.kind};
  report(running, Outcome::failed, error, {}, 0);
}

// Keeps the dispatcher's view of our free slots at what we can take: a
// worker that became idle grants a slot, one that a local transient (HTTP)
// request took withdraws it, so the leader sends cluster jobs to nodes whose
// workers are free and a slow node gets fewer. A lease crossing a withdrawal
// is counted off on both sides, never below 0 (Dispatcher::on_credit).
std::optional<Millis> RubyPool::Impl::sync_credit() {
  if (closing || !watcher) return std::nullopt;
  std::size_t live = 0;
  for (const auto& [slot, w] : workers) {
    if (w->state != WorkerState::stopping && w->state != WorkerState::exiting) ++live;
  }
  const bool may_grow = master && master->state == MasterState::loaded && live < spec.max_workers;
  const std::uint64_t can_take = count_idle() + (may_grow ? 1 : 0) + lease_ahead();
  const std::uint64_t wanted = can_take > held.size() ? can_take - held.size() : 0;
  if (wanted >= credit) {
    withdraw_at = 0;
    if (wanted > credit) send(protocol::Credit{static_cast<std::uint32_t>(wanted - credit), 0});
    credit = wanted;
    return std::nullopt;
  }
  if (withdraw_at == 0) withdraw_at = now() + kWithdrawDelayMs;
  if (now() < withdraw_at) return withdraw_at;
  withdraw_at = 0;
  send(protocol::Credit{0, static_cast<std::uint32_t>(credit - wanted)});
  credit = wanted;
  return std::nullopt;
}

void RubyPool::Impl::start_master() {
  auto record = std::make_unique<MasterRecord>();
  record->generation = ++master_generations;
  MasterRecord* r = record.get();
  PoolMaster::Events events;
  events.on_message = [this, r](MasterMessage m) { on_master_message(*r, std::move(m)); };
  events.on_channel_closed = [this, r](const std::string& why) { on_master_gone(*r, why); };
  events.on_exit = [this, r](std::int64_t status, int signal) {
    on_master_gone(*r, signal ? "killed by signal " + std::to_string(signal)
                              : "exited with status " + std::to_string(status));
  };
  MasterLaunch launch{options.ruby, options.gem_dir, spec, options.env};
  record->process = std::make_unique<PoolMaster>(loop, launch, std::move(events));
  if (Status s = record->process->start(); !s.ok()) {
    last_error = s.message;
    log("cannot start the master: " + s.message);
    record->state = MasterState::failed;
  } else {
    record->pid = record->process->pid();
    log("started master pid " + std::to_string(record->pid) + " (load " +
        std::to_string(record->generation) + ")");
  }
  if (master && master->state == MasterState::loaded) {
    // Keep serving with the old load until the new one is in.
    retired.push_back(std::move(master));
    retired.back()->state = MasterState::retired;
  } else if (master && master->process) {
    master->process->close(nullptr);
  }
  master = std::move(record);
  if (master->state == MasterState::failed) {
    master_restart_at = now() + master_backoff;
    master_backoff = std::min(master_backoff * 2, options.backoff_max_ms);
  }
}

void RubyPool::Impl::on_master_message(MasterRecord& record, MasterMessage message) {
  if (auto* loaded = std::get_if<MasterLoaded>(&message)) {
    if (&record != master.get()) return;
    record.state = MasterState::loaded;
    record.pid = static_cast<pid_t>(loaded->pid);
    master_backoff = options.backoff_min_ms;
    last_error.clear();
    log("master pid " + std::to_string(loaded->pid) + " loaded the application (load " +
        std::to_string(record.generation) + ")");
  } else if (auto* failed = std::get_if<MasterLoadFailed>(&message)) {
    last_error = describe(failed->error);
    log("loading failed: " + last_error);
    if (&record == master.get()) {
      record.state = MasterState::failed;
      master_restart_at = now() + master_backoff;
      master_backoff = std::min(master_backoff * 2, options.backoff_max_ms);
    }
  } else if (auto* spawned = std::get_if<MasterSpawned>(&message)) {
    auto it = workers.find(spawned->slot);
    if (it != workers.end() && it->second->master_generation == record.generation) {
      it->second->pid = static_cast<pid_t>(spawned->pid);
      ++counters.spawned;
      log("spawned worker " + std::to_string(spawned->slot) + " pid " +
          std::to_string(spawned->pid));
    }
  } else if (auto* exited = std::get_if<MasterExited>(&message)) {
    on_worker_exited(*exited);
  }
  step();
}

void RubyPool::Impl::on_master_gone(MasterRecord& record, const std::string& why) {
  if (closing || !record.process) return;
  const bool current = &record == master.get();
  if (record.state != MasterState::retired) {
    log("master pid " + std::to_string(record.pid) + " " + why);
  }
  if (current) {
    const bool was_loaded = record.state == MasterState::loaded;
    const bool already_failed = record.state == MasterState::failed;
    if (!was_loaded && last_error.empty()) last_error = "the master " + why + " before loading";
    record.state = MasterState::failed;
    record.process->close(nullptr);
    record.process.reset();
    if (!was_loaded && !retired.empty()) {
      // A failed reload: the previous load goes on serving. This destroys
      // record, which is not touched again.
      master = std::move(retired.back());
      retired.pop_back();
      master->state = MasterState::loaded;
      log("reload failed (" + last_error + "); load " + std::to_string(master->generation) +
          " keeps serving");
    } else if (!already_failed) {
      master_restart_at = now() + master_backoff;
      master_backoff = std::min(master_backoff * 2, options.backoff_max_ms);
    }
  } else {
    for (auto it = retired.begin(); it != retired.end(); ++it) {
      if (it->get() == &record) {
        (*it)->process->close(nullptr);
        retired.erase(it);
        break;
      }
    }
  }
  step();
}

void RubyPool::Impl::retire_master(std::unique_ptr<MasterRecord> record) {
  log("stopping master pid " + std::to_string(record->pid) + " (load " +
      std::to_string(record->generation) + ")");
  (void)record->process->send(encode_master_stop());
  record->process->close(nullptr);
}

void RubyPool::Impl::reload(PoolSpec new_spec) {
  spec = std::move(new_spec);
  target = std::clamp(target, spec.min_workers, spec.max_workers);
  log("reloading (generation " + std::to_string(spec.generation) + ")");
  master_backoff = options.backoff_min_ms;
  start_master();
  step();
}

RubyPool::RubyPool(uv_loop_t* loop, zmq::context_t& context, PoolSpec spec, RubyPoolOptions options)
    : impl_(std::make_unique<Impl>(loop, context, std::move(spec), std::move(options))) {}

RubyPool::~RubyPool() = default;

Status RubyPool::start() {
  Impl& p = *impl_;
  if (Status s = p.connect(); !s.ok()) return s;
  p.timer = new uv_timer_t;
  uv_timer_init(p.loop, p.timer);
  p.timer->data = &p;
  p.heartbeat = new uv_timer_t;
  uv_timer_init(p.loop, p.heartbeat);
  p.heartbeat->data = &p;
  p.idle_notice = new uv_idle_t;
  uv_idle_init(p.loop, p.idle_notice);
  p.idle_notice->data = &p;
  p.reports = std::make_unique<ReportBatch>(
      p.loop, [&p](protocol::RequestBody body) { p.send(std::move(body)); });
  uv_timer_start(
      p.heartbeat,
      [](uv_timer_t* t) noexcept { static_cast<Impl*>(t->data)->send(protocol::Heartbeat{}); },
      protocol::kWorkerHeartbeatMs, protocol::kWorkerHeartbeatMs);
  p.start_master();
  p.step();
  return {};
}

bool RubyPool::run_transient(Job job, TransientDone done) {
  Impl& p = *impl_;
  if (p.closing || !p.held.empty()) return false;
  PoolWorker* pick = nullptr;
  for (auto& [slot, w] : p.workers) {
    if (w->state != WorkerState::idle) continue;
    if (!pick || (p.outdated(*pick) && !p.outdated(*w))) pick = w.get();
  }
  const bool behind = !pick;
  if (behind) pick = p.pipeline_slot();
  if (!pick) return false;
  // Transient http jobs come from this node's front end: spliced, not re-encoded.
  Result<std::string> message = job.kind == JobKind::http
                                    ? encode_local_http_message(job.id, job.payload)
                                    : encode_job_message(job);
  if (!message.ok()) {
    TransientEnd end;
    end.error = message.status().message;
    if (done) done(std::move(end));
    return true;
  }
  const JobId id = job.id;
  p.transients[id] = std::move(done);
  if (behind) {
    RunningJob next;
    next.id = id;
    next.attempt = job.attempts;
    next.kind = job.kind;
    next.timeout_ms = job.timeout_ms != 0 ? job.timeout_ms : pool_timeout_ms(p.spec);
    next.transient = true;
    next.slot = pick->slot;
    next.pid = pick->pid;
    pick->next = next;  // its deadline starts when it does (on_done)
    pick->link->send(std::move(*message));
    return true;
  }
  p.start_encoded(*pick, HeldLease{std::move(job), 0}, std::move(*message));
  pick->job->transient = true;
  pick->job->slot = pick->slot;
  pick->job->pid = pick->pid;
  pick->job->started_ns = uv_hrtime();
  p.step();  // arms the timer for the job's timeout
  return true;
}

std::size_t RubyPool::idle_workers() const {
  return impl_->closing ? 0 : impl_->count_idle();
}

std::size_t RubyPool::transient_slots() const {
  const Impl& p = *impl_;
  if (p.closing || !p.held.empty()) return 0;  // as run_transient
  return p.count_idle() + (p.pipeline_slot() ? 1 : 0);
}

void RubyPool::reload(PoolSpec spec) {
  if (!impl_->closing) impl_->reload(std::move(spec));
}

const PoolSpec& RubyPool::spec() const {
  return impl_->spec;
}

PoolStatus RubyPool::status() const {
  return impl_->status();
}

void RubyPool::close(std::function<void()> done) {
  Impl& p = *impl_;
  if (p.closing) {
    if (done) done();
    return;
  }
  // The jobs ended: the node learns it before the socket goes.
  if (p.reports) p.reports->close();
  p.closing = true;
  close_and_delete(p.timer);
  close_and_delete(p.heartbeat);
  close_and_delete(p.idle_notice);
  for (auto& [slot, w] : p.workers) {
    // The node hands a busy worker's job back itself.
    if (w->state == WorkerState::busy && w->pid > 0) kill(w->pid, SIGKILL);
    if (w->link) w->link->close();
  }
  p.workers.clear();
  // Transient jobs have nobody to hand them back: they end here, lost.
  std::map<JobId, TransientDone> transients = std::move(p.transients);
  p.transients.clear();
  for (auto& [id, done] : transients) {
    TransientEnd end;
    end.worker_lost = true;
    end.error = "the pool stopped";
    if (done) done(std::move(end));
  }
  for (auto& record : p.retired)
    if (record->process) record->process->close(nullptr);
  p.retired.clear();
  if (p.master && p.master->process) {
    (void)p.master->process->send(encode_master_stop());
    p.master->process->close(nullptr);
  }
  p.master.reset();
  if (!p.watcher) {
    if (done) done();
    return;
  }
  p.watcher->close([&p, done = std::move(done)]() {
    p.socket.reset();
    if (done) done();
  });
}

}  // namespace desaster::ruby_pool
