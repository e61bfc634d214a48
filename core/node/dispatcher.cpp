#include "core/node/dispatcher.hpp"

#include <algorithm>

#include "transport/protocol/limits.hpp"

#include "core/model/job_id.hpp"
#include "transport/protocol/replies.hpp"

namespace desaster {

namespace {

constexpr std::size_t kMaxGrantsPerTurn = 4096;

static_assert(kMaxGrantsPerTurn <= protocol::kMaxLeasesPerPush,
              "one turn's leases for a worker fit one \"leases\" push");

std::string encode_lease_push(Job job, std::uint64_t term) {
  return protocol::encode_push(protocol::kLeasePush,
                               protocol::encode_body(protocol::LeasePush{std::move(job), term}));
}

protocol::SlimLease slim_lease(const Job& job, std::uint32_t attempt) {
  return protocol::SlimLease{job.id,        attempt,     job.kind,      job.queue,
                             job.job_class, job.payload, job.timeout_ms};
}

}  // namespace

Dispatcher::Dispatcher(const State& state, Proposer& proposer, Logger& log, std::string node_id)
    : state_(state), proposer_(proposer), log_(log), node_id_(std::move(node_id)) {}

Dispatcher::WorkerRecord* Dispatcher::find(const Peer& peer) {
  auto it = workers_.find(peer);
  if (it == workers_.end()) return nullptr;
  // A relayed worker's link may have reconnected: answer on the new connection.
  if (peer.relayed()) it->second.peer = peer;
  return &it->second;
}

void Dispatcher::on_worker_hello(const Peer& peer, std::uint64_t request_id,
                                 const protocol::WorkerHello& hello, TimeMs now) {
  if (auto it = workers_.find(peer); it != workers_.end()) {
    drop_worker(it, "registered again");
  }
  WorkerRecord record;
  record.peer = peer;
  record.credit.node = peer.relayed() ? peer.via_node : node_id_;
  record.credit.worker = hello.name + "#" + std::to_string(next_worker_number_++);
  record.credit.queues = hello.queues;
  record.credit.kinds = hello.kinds;
  record.credit.free = hello.slots;
  record.credit.pool = hello.pool;
  record.last_seen = now;
  record.batch = hello.batch;
  // A relay registering its worker with a new leader: the leases the worker
  // still holds are of older terms (so LeaderStartOp has put their jobs back);
  // they are kept so that their reports give the slots back.
  for (const protocol::WorkerHello::HeldLease& held : hello.running) {
    record.leases[held.id] = PushedLease{held.term, held.attempt, false};
  }
  log_.info("worker " + record.credit.worker + " registered" +
            (peer.relayed() ? " from node " + peer.via_node.substr(0, 8) : std::string()) +
            " with " + std::to_string(hello.slots) + " slots" +
            (hello.running.empty() ? std::string()
                                   : ", " + std::to_string(hello.running.size()) + " jobs held"));
  worker_by_name_[record.credit.worker] = peer;
  workers_.emplace(peer, std::move(record));

  peer.reply(request_id, Status::success(),
             protocol::encode_body(protocol::WorkerReply{protocol::kWorkerHeartbeatMs, true}));
}

void Dispatcher::answer_unregistered(const Peer& peer, std::uint64_t request_id) const {
  // Only a relay knows this answer (it registers the worker again); a
  // worker connected directly is left as before.
  if (request_id == 0 || !peer.relayed()) return;
  peer.reply(request_id,
             Status::error(ErrorCode::not_found, std::string(protocol::kUnregisteredWorker)),
             protocol::kEmptyMap);
}

void Dispatcher::on_credit(const Peer& peer, std::uint64_t request_id, std::uint32_t slots,
                           std::uint32_t withdraw, TimeMs now) {
  WorkerRecord* w = find(peer);
  if (!w) return answer_unregistered(peer, request_id);
  // Each grant is at most protocol::kMaxSlots; the sum is capped there too,
  // so a worker that keeps granting cannot wrap its credit around to 0.
  w->credit.free = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(std::uint64_t{w->credit.free} + slots, protocol::kMaxSlots));
  // A lease already on its way used one of the withdrawn slots: the worker
  // counts that lease off its own credit (never below 0) as this does here.
  w->credit.free -= std::min(w->credit.free, withdraw);
  w->last_seen = now;
}

void Dispatcher::on_heartbeat(const Peer& peer, std::uint64_t request_id, TimeMs now) {
  WorkerRecord* w = find(peer);
  if (!w) return answer_unregistered(peer, request_id);
  w->last_seen = now;
}

void Dispatcher::excuse_silence(TimeMs stalled) {
  for (auto& [peer, w] : workers_) w.last_seen += stalled;
}

void Dispatcher::on_report(const Peer& peer, std::uint64_t request_id,
                           const protocol::Report& report, TimeMs now) {
  take_report(peer, report, now);
  gathered_reporters_.push_back(PendingReport{peer, request_id});
}

void Dispatcher::on_reports(const Peer& peer, std::uint64_t request_id,
                            const protocol::Reports& reports, TimeMs now) {
  for (const protocol::Report& report : reports.reports) take_report(peer, report, now);
  gathered_reporters_.push_back(PendingReport{peer, request_id});
}

void Dispatcher::take_report(const Peer& peer, const protocol::Report& report, TimeMs now) {
  // A worker this dispatcher does not know (dropped as silent, registered
  // with an older leader, or forgotten by its relay) still ran the job: its
  // report goes into the op like any other, and the state ends the job with
  // it or counts a duplicate run (README, "at least once").
  if (WorkerRecord* w = find(peer)) {
    w->last_seen = now;
    // The slot is free as soon as the worker says so; the completion itself
    // becomes an op with the other reports of this loop turn.
    if (auto lease = w->leases.find(report.id); lease != w->leases.end()) {
      if (lease->second.cancelled) held_back_.erase(report.id);
      w->leases.erase(lease);
      ++w->credit.free;
    }
  }
  ++stats_.reports;
  Completion c;
  c.id = report.id;
  c.term = report.term;
  c.attempt = report.attempt;
  c.outcome = report.outcome;
  c.exit_status = report.exit_status;
  c.output_tail = report.output;
  c.error = report.error;
  c.cpu_ms = report.cpu_ms;
  c.max_rss_kb = report.max_rss_kb;
  gathered_.completions.push_back(std::move(c));
}

void Dispatcher::tick(TimeMs now) {
  if (!gathered_.completions.empty()) {
    CompleteOp op;
    op.completions.swap(gathered_.completions);
    std::vector<PendingReport> reporters;
    reporters.swap(gathered_reporters_);
    // A stale report (older term or attempt) is answered ok too: the worker
    // did its part, and the state counted it as a duplicate run.
    proposer_.propose(std::move(op),
                      [reporters = std::move(reporters)](const Status& status, const ApplyResult&) {
                        for (const PendingReport& r : reporters) {
                          r.peer.reply(r.request_id, status, protocol::kEmptyMap);
                        }
                      });
  }
  if (!draining_) plan(now);
}

void Dispatcher::plan(TimeMs now) {
  std::vector<WorkerCredit> credits;
  for (auto& [peer, w] : workers_)
    if (w.credit.free > 0) credits.push_back(w.credit);
  if (credits.empty()) return;
  std::unordered_set<JobId> excluded;
  if (!held_back_.empty()) {
    excluded = reserved_;
    excluded.insert(held_back_.begin(), held_back_.end());
  }
  std::vector<LeaseGrant> grants =
      plan_leases(state_, credits, held_back_.empty() ? reserved_ : excluded, now,
                  kMaxGrantsPerTurn, fairness_);
  if (grants.empty()) return;
  // One "leases" push per batch-taking worker for this turn's grants.
  std::unordered_map<WorkerRecord*, protocol::LeasesPush> batches;
  for (const LeaseGrant& g : grants) {
    reserved_.insert(g.id);
    const Job* queued = state_.find(g.id);
    auto peer_it = worker_by_name_.find(g.worker);
    if (!queued || peer_it == worker_by_name_.end()) continue;
    WorkerRecord& w = workers_.at(peer_it->second);
    // A job this worker still runs from an older term (its relay said so at
    // registration) and now leased to it again keeps the slot it holds:
    // taking a second one would leak it, as only one report gives it back.
    if (w.leases.insert_or_assign(g.id, PushedLease{proposer_.term(), g.attempt, false}).second)
      --w.credit.free;
    // The lease goes out now, before its op is durable: a job's run is
    // at-least-once anyway, and waiting for the sync would put one more
    // fdatasync into every job's round trip. The report is proposed after
    // the LeaseOp, so the log orders them right; if the node dies first, the
    // job is still queued in the journal and runs again under a new term,
    // and this run's report counts as a duplicate.
    ++stats_.leases_pushed;
    if (w.batch) {
      protocol::LeasesPush& push = batches[&w];
      push.term = proposer_.term();
      push.leases.push_back(slim_lease(*queued, g.attempt));
      continue;
    }
    Job leased = *queued;
    leased.state = JobState::running;
    leased.attempts = g.attempt;
    leased.lease_term = proposer_.term();
    leased.node = g.node;
    leased.worker = g.worker;
    leased.started_at = now;
    leased.lease_expires_at = g.expires_at;
    const std::uint64_t term = leased.lease_term;
    w.peer.send(encode_lease_push(std::move(leased), term));
  }
  for (auto& [w, push] : batches)
    w->peer.send(protocol::encode_push(protocol::kLeasesPush, protocol::encode_body(push)));
  std::vector<JobId> ids;
  for (const LeaseGrant& g : grants) ids.push_back(g.id);
  proposer_.propose(LeaseOp{std::move(grants)},
                    [this, ids = std::move(ids)](const Status& status, const ApplyResult&) {
                      // Not written: the jobs stay queued and may be planned again.
                      if (!status.ok())
                        for (JobId id : ids) reserved_.erase(id);
                    });
}

void Dispatcher::on_applied(const Op& op, const ApplyResult& result) {
  if (const auto* lease = std::get_if<LeaseOp>(&op)) settle_leases(*lease, result);
  if (const auto* kill = std::get_if<KillOp>(&op)) cancel_leases(kill->ids, result, false);
  if (const auto* move = std::get_if<RelocateOp>(&op)) cancel_leases(move->ids, result, true);
}

void Dispatcher::settle_leases(const LeaseOp& op, const ApplyResult& result) {
  std::vector<JobId> orphaned;  // granted to a worker that is gone meanwhile
  for (std::size_t i = 0; i < op.grants.size(); ++i) {
    const LeaseGrant& g = op.grants[i];
    reserved_.erase(g.id);
    bool granted = i < result.statuses.size() && result.statuses[i].ok();
    // A refused grant (the job was deleted or its queue paused meanwhile)
    // leaves the worker running a job the state does not lease to it; its
    // report will count as a duplicate run and give the slot back.
    if (granted && worker_by_name_.find(g.worker) == worker_by_name_.end()) {
      orphaned.push_back(g.id);
    }
  }
  if (!orphaned.empty()) {
    proposer_.propose(ReleaseOp{std::move(orphaned), true, "worker left during its lease"});
  }
}

void Dispatcher::expire_silent_workers(TimeMs now) {
  for (auto it = workers_.begin(); it != workers_.end();) {
    auto next = std::next(it);
    if (now - it->second.last_seen > static_cast<TimeMs>(protocol::kWorkerTimeoutMs)) {
      drop_worker(it, "silent for " + std::to_string(now - it->second.last_seen) + " ms");
    }
    it = next;
  }
}

void Dispatcher::drop_worker(std::map<Peer, WorkerRecord>::iterator it, const std::string& why) {
  WorkerRecord& w = it->second;
  std::vector<JobId> running;
  for (const auto& [id, lease] : w.leases) {
    held_back_.erase(id);
    // Leases still being proposed are released when they are applied; the
    // state has already ended cancelled ones, and LeaderStartOp those of
    // older terms.
    if (reserved_.count(id) || lease.cancelled || lease.term != proposer_.term()) continue;
    // Only the lease the state holds now: a worker registered again after
    // being dropped (a pause) holds runs whose jobs went on to a new attempt
    // elsewhere, and releasing by id would end that attempt instead.
    const Job* job = state_.find(id);
    if (job && job->state == JobState::running && job->lease_term == lease.term &&
        job->attempts == lease.attempt)
      running.push_back(id);
  }
  log_.warn("worker " + w.credit.worker + " lost (" + why + "); releasing " +
            std::to_string(running.size()) + " running jobs");
  ++stats_.workers_lost;
  worker_by_name_.erase(w.credit.worker);
  workers_.erase(it);
  if (!running.empty()) {
    proposer_.propose(ReleaseOp{std::move(running), true, "worker lost: " + why});
  }
}

void Dispatcher::forget_workers() {
  if (!workers_.empty()) {
    log_.info("dispatcher: no longer leading; forgetting " + std::to_string(workers_.size()) +
              " workers (their nodes register them with the next leader)");
  }
  workers_.clear();
  worker_by_name_.clear();
  reserved_.clear();
  held_back_.clear();
  gathered_.completions.clear();
  gathered_reporters_.clear();
}

std::map<std::string, NodeSlots> Dispatcher::slots_by_node() const {
  std::map<std::string, NodeSlots> nodes;
  for (const auto& [peer, w] : workers_) {
    NodeSlots& n = nodes[w.credit.node];
    ++n.workers;
    n.free += w.credit.free;
    n.busy += static_cast<std::uint32_t>(w.leases.size());
  }
  return nodes;
}

DispatchStats Dispatcher::stats() const {
  DispatchStats s = stats_;
  s.workers = workers_.size();
  for (const auto& [peer, w] : workers_) s.free_slots += w.credit.free;
  return s;
}

}  // namespace desaster
