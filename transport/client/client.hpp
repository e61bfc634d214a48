// The C++ client library: talks the client protocol (protocol/messages.hpp)
// to a node over a ZeroMQ DEALER. Calls are synchronous with a timeout;
// a Client is not thread-safe (use one per thread). A call that times out
// fails with unavailable and drops its socket, so the request cannot reach
// the node later; it may still have reached it already.
//
// Worker is the API for external workers: register for queues with a number
// of slots, get leased jobs, report how each ended. A Worker keeps itself
// alive on the node with heartbeats from a thread of its own while the
// caller is busy with a job; its methods are still for one thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/job.hpp"
#include "core/model/queue.hpp"
#include "core/model/status.hpp"
#include "transport/protocol/cron_wire.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/qdisc_wire.hpp"
#include "transport/protocol/recovery_wire.hpp"
#include "transport/protocol/replies.hpp"
#include "transport/protocol/transfer_wire.hpp"
#include "transport/protocol/upgrade_wire.hpp"

namespace desaster {

struct ClientOptions {
  std::string endpoint = "tcp://127.0.0.1:2691";
  std::chrono::milliseconds timeout{10'000};  // per request, 0: wait forever
  std::string name = "client";
  // The cluster's group key; empty: $DESASTER_KEY, else "default"
  // (key_source.hpp). The connection speaks CURVE with keys derived from it.
  std::string group_key;
};

struct EnqueueResult {
  std::vector<JobId> ids;                // 0 where the job was refused
  std::vector<Status> errors;            // ok where it was accepted
  std::vector<std::optional<Job>> jobs;  // with wait: the final jobs
};

struct JobPage {
  std::vector<Job> jobs;
  JobId next = 0;
  std::uint64_t total = 0;
  std::vector<std::optional<protocol::JobEta>> etas{};  // one per job: queued and scheduled ones
};

// {name, paused, counts by JobState}: the protocol's own struct.
using QueueSummary = protocol::QueueSummary;
// A declared Ruby pool and, where it runs on the node asked, its workers.
using PoolSummary = protocol::PoolSummary;

class Client {
 public:
  static Result<std::unique_ptr<Client>> connect(const ClientOptions& options);
  ~Client();

  Result<EnqueueResult> enqueue(const std::vector<protocol::JobSpec>& jobs);
  Result<JobId> enqueue(const protocol::JobSpec& job);  // fails with the job's own error
  // Submit and wait: the reply comes when every job is final (or timeout).
  Result<EnqueueResult> submit_and_wait(const std::vector<protocol::JobSpec>& jobs,
                                        std::chrono::milliseconds timeout);
  Result<std::vector<std::optional<Job>>> wait(const std::vector<JobId>& ids,
                                               std::chrono::milliseconds timeout);
  Result<Job> get(JobId id);
  Result<JobPage> list(const protocol::List& query);
  Result<std::vector<Status>> retry(const std::vector<JobId>& ids);
  Result<std::vector<Status>> remove(const std::vector<JobId>& ids);
  Result<std::vector<QueueSummary>> queues();
  Status queue_command(const protocol::QueueCommand& command);
  // Ruby pools: declare (or redeclare) one, forget one, reload its
  // application, list them with their workers on the node asked.
  Status pool_add(const PoolSpec& spec);
  Status pool_remove(const std::string& name);
  Status pool_reload(const std::string& name);
  Result<std::vector<PoolSummary>> pools();
  // The node asked and the peers it has found (`desasterctl nodes`).
  Result<protocol::NodesReply> nodes();
  // The stats reply as a msgpack map, decoded into a JSON string for display.
  Result<std::string> stats_json();

  // Job actions (client_actions.cpp): kill, relocate, re-role, retry,
  // delete or reschedule the jobs an action names by ids or by query; the
  // reply counts what was done and lists the first refusals.
  Result<protocol::JobActionReply> job_action(const protocol::JobAction& action);
  Result<protocol::JobActionReply> kill(const std::vector<JobId>& ids);
  // Queries (client_query.cpp): a page of jobs with the filters, sort and
  // cursor of protocol::List, with the reply's cursor, total and the
  // answering replica's log position; and the failed set grouped.
  Result<protocol::ListReply> query(const protocol::List& query);
  Result<protocol::GroupsReply> failed_groups(GroupBy by, const std::vector<JobState>& states = {});
  // Worker assignment (client_assign.cpp). node: an id, id prefix or host
  // name; empty: every node (attach, detach, pause, resume) or the node
  // asked (drain, undrain, which answer with the full id drained).
  Status attach(const std::string& pool, const std::string& queue, std::uint32_t weight = 1,
                const std::string& node = {});
  Status detach(const std::string& pool, const std::string& queue, const std::string& node = {});
  Status pause_pool(const std::string& pool, const std::string& node = {});
  Status resume_pool(const std::string& pool, const std::string& node = {});
  Result<std::string> drain(const std::string& node = {});
  Result<std::string> undrain(const std::string& node = {});
  Result<std::vector<Status>> pin(const std::vector<JobId>& ids, const std::string& node,
                                  const std::string& pool);
  Result<std::vector<Status>> unpin(const std::vector<JobId>& ids);
  Result<protocol::AssignmentsReply> assignments();
  // Any request; an error reply becomes its Status. For the calls above.
  Result<protocol::Reply> request(protocol::RequestBody body);
  // Resource monitoring (client_monitor.cpp): the node's current sample, the
  // processes its pools run, jobs run per node and the history.
  Result<protocol::ResourcesReply> resources(const protocol::Resources& query);
  // The de-duplication blacklist: list (queue and search may be empty),
  // clear (an identity, a queue's entries, or all with both empty), and a
  // queue's window (0: off).
  Result<protocol::BlacklistReply> blacklist(const std::string& queue, const std::string& search,
                                             std::uint32_t limit = 1000);
  Status blacklist_clear(const std::string& queue, const std::string& identity = {});
  Status set_dedup_window(const std::string& queue, std::uint64_t window_ms);
  // Queueing disciplines and ETAs.
  // A job with its ETA (set for queued and scheduled jobs when the node can tell).
  Result<protocol::GetReply> get_with_eta(JobId id);
  // Shows a queue's discipline, or sets it and shows the result.
  Result<protocol::QdiscReply> qdisc(const protocol::QdiscCommand& command);
  // Makes the node asked the only voter of its cluster, keeping its log
  // (recovery_messages.hpp says when it refuses). May lose acknowledged
  // writes: refused unless accept_risk.
  Result<protocol::ForceRecoveryReply> force_recovery(bool accept_risk);
  // "upgrade" (upgrade_messages.hpp): start a standalone node's hot upgrade,
  // or (start false) see how it stands.
  Result<protocol::UpgradeReply> upgrade(bool start, const std::string& binary = {});
  // "transfer_leadership" (transfer_messages.hpp): the node asked, if it
  // leads, hands leadership to `node` (empty: the most up-to-date voter).
  Result<protocol::TransferLeadershipReply> transfer_leadership(const std::string& node = {});
  // Cron entries (cron_messages.hpp): add, remove, pause, resume, run, list, show.
  Result<protocol::CronReply> cron(const protocol::CronCommand& command);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A leased job as a worker gets it.
struct Lease {
  Job job;
  std::uint64_t term = 0;
};

struct WorkOutcome {
  Outcome outcome = Outcome::succeeded;
  std::int32_t exit_status = 0;
  std::string output;
  std::string error;
};

struct WorkerOptions {
  std::string endpoint = "tcp://127.0.0.1:2691";
  std::string name = "worker";
  std::vector<std::string> queues{"*"};
  std::vector<JobKind> kinds;  // empty: every kind
  std::uint32_t slots = 1;
  std::string group_key;  // as in ClientOptions
  // Called when the node cancels a lease this worker holds (the job was
  // killed or relocated): the job should stop as soon as it can and be
  // reported with Outcome::killed. Runs on whichever thread reads the socket:
  // the caller's inside next() or report(), or the worker's own thread while
  // a job runs; keep it short (set a flag, signal a process).
  std::function<void(JobId id)> on_cancel;
  // How long a finished job's report may wait, while leases already here
  // wait to run, for others to go with it in one message (a node that takes
  // batched reports only).
  std::chrono::milliseconds report_hold{2};
};

class Worker {
 public:
  static Result<std::unique_ptr<Worker>> connect(const WorkerOptions& options);
  ~Worker();

  // Waits up to timeout for the next leased job (heartbeats go out meanwhile).
  Result<std::optional<Lease>> next(std::chrono::milliseconds timeout);
  // Reports a job's end; gives its slot back. With jobs still waiting here
  // the report may be held up to options.report_hold to go with others.
  Status report(const Lease& lease, const WorkOutcome& outcome);
  // Runs handler for each job until it returns false from keep_going or the
  // connection fails.
  Status run(const std::function<WorkOutcome(const Lease&)>& handler,
             const std::function<bool()>& keep_going);
  // Whether the node has cancelled this lease (see WorkerOptions::on_cancel).
  // The worker notices a cancel within about 100 ms while a job runs. Any thread.
  bool cancelled(const Lease& lease) const;

 private:
  struct Impl;
  explicit Worker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace desaster
