// The master's side of dispatch: workers (the node's own shell pool and
// external workers alike) register over DEALER/ROUTER, grant credit (free
// slots), get leased jobs pushed and report how each ended.
//
// Leases are ops: the planner's grants are proposed as a LeaseOp and pushed
// to their workers at once (see plan() for why that is safe). Reports are gathered for one loop
// turn and proposed as one CompleteOp; each reporter is answered once it is applied. A worker
// silent for kWorkerTimeoutMs is dropped and its running jobs are released (charged: the attempt
// counts, as the job may be what killed it).
//
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/node/log.hpp"
#include "core/node/peer.hpp"
#include "core/node/proposer.hpp"
#include "core/state/lease_planner.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster {

struct DispatchStats {
  std::size_t workers = 0;
  std::uint64_t free_slots = 0;
  std::uint64_t leases_pushed = 0;
  std::uint64_t reports = 0;
  std::uint64_t workers_lost = 0;
  std::uint64_t cancels_sent = 0;  // "cancel" pushes for killed or relocated running jobs
};

// One node's workers as the leader's dispatcher sees them.
struct NodeSlots {
  std::uint32_t workers = 0;
  std::uint32_t free = 0;
  std::uint32_t busy = 0;  // leases pushed and not reported
};

// One registered worker's slots (for /metrics).
struct WorkerSlots {
  std::string node;
  std::string worker;  // its unique name
  std::string pool;    // "shell", a Ruby pool, or empty for an external worker
  std::uint32_t free = 0;
  std::uint32_t busy = 0;  // leases pushed and not reported
};

class Dispatcher {
 public:
  Dispatcher(const State& state, Proposer& proposer, Logger& log, std::string node_id);

  void on_worker_hello(const Peer& peer, std::uint64_t request_id,
                       const protocol::WorkerHello& hello, TimeMs now);
  // A relayed worker it does not know (dropped as silent) is answered
  // protocol::kUnregisteredWorker, so that its relay registers it again.
  // Adds slots, then takes back up to withdraw free ones (protocol::Credit).
  void on_credit(const Peer& peer, std::uint64_t request_id, std::uint32_t slots,
                 std::uint32_t withdraw, TimeMs now);
  // A report from a worker it does not know still counts: the state decides
  // whether it ends the job or was a duplicate run.
  void on_report(const Peer& peer, std::uint64_t request_id, const protocol::Report& report,
                 TimeMs now);
  // Several reports in one message: each counts as on_report's, the message
  // is answered once, when the op holding them all is applied.
  void on_reports(const Peer& peer, std::uint64_t request_id, const protocol::Reports& reports,
                  TimeMs now);
  void on_heartbeat(const Peer& peer, std::uint64_t request_id, TimeMs now);

  // From the proposer's applied hook.
  void on_applied(const Op& op, const ApplyResult& result);

  // Once per loop turn: proposes the gathered reports and the next leases.
  void tick(TimeMs now);
  // Drops workers silent for longer than the timeout, releasing their jobs.
  void expire_silent_workers(TimeMs now);
  // This node did not run for `stalled` ms (StallWatch): the workers could
  // not be heard meanwhile, so that time does not count as their silence.
  void excuse_silence(TimeMs stalled);

  // While draining, no new leases are granted.
  void set_draining(bool draining) { draining_ = draining; }
  DispatchStats stats() const;
  // Leaving the leader's role: every worker is forgotten without releasing
  // its jobs (the next leader's LeaderStartOp does) and the reports not yet
  // proposed are dropped (their jobs run again); the workers' nodes
  // register them with the next leader.
  void forget_workers();
  // Workers, free and busy slots per node (workers of other nodes are seen
  // through their relays).
  std::map<std::string, NodeSlots> slots_by_node() const;
  // Worker slots (free or busy) on this node serving `queue`: the ETA's
  // worker count (dispatcher_slots.cpp).
  std::uint32_t slots_for(const std::string& queue) const;
  // Every worker registered here, in name order (dispatcher_slots.cpp).
  std::vector<WorkerSlots> worker_slots() const;

 private:
  // A lease pushed to a worker and not reported yet.
  struct PushedLease {
    std::uint64_t term = 0;
    std::uint32_t attempt = 0;
    bool cancelled = false;  // a "cancel" went out: the job was killed or relocated
  };
  struct WorkerRecord {
    Peer peer;
    WorkerCredit credit;  // credit.worker is the unique worker name
    TimeMs last_seen = 0;
    std::unordered_map<JobId, PushedLease> leases;
    bool batch = false;  // takes "leases" pushes (several slim leases a message)
  };
  struct PendingReport {
    Peer peer;
    std::uint64_t request_id;
  };

  WorkerRecord* find(const Peer& peer);
  // A report's slot and completion, without its answer.
  void take_report(const Peer& peer, const protocol::Report& report, TimeMs now);
  void answer_unregistered(const Peer& peer, std::uint64_t request_id) const;
  void drop_worker(std::map<Peer, WorkerRecord>::iterator it, const std::string& why);
  void plan(TimeMs now);
  void settle_leases(const LeaseOp& op, const ApplyResult& result);
  // Tells the workers holding leases of the jobs the op stopped to stop
  // them (dispatcher_cancel.cpp). requeued: the jobs wait in a queue again
  // (relocate) and are held back from new leases until the stopped run has
  // reported, so its (term, attempt) is never taken for the next lease's.
  void cancel_leases(const std::vector<JobId>& ids, const ApplyResult& result, bool requeued);

  const State& state_;
  Proposer& proposer_;
  Logger& log_;
  std::string node_id_;
  bool draining_ = false;
  std::uint64_t next_worker_number_ = 1;
  std::map<Peer, WorkerRecord> workers_;
  std::unordered_map<std::string, Peer> worker_by_name_;
  std::unordered_set<JobId> reserved_;  // leases proposed, not yet applied
  // Relocated jobs whose stopped run has not reported yet: not leased again.
  std::unordered_set<JobId> held_back_;
  LeaseFairness fairness_;  // weighted turns of the queues across plans
  CompleteOp gathered_;
  std::vector<PendingReport> gathered_reporters_;
  DispatchStats stats_;
};

}  // namespace desaster
