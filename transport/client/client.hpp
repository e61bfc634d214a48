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
#include "transport/protocol/messages.hpp"
#include "transport/protocol/qdisc_wire.hpp"
#include "transport/protocol/replies.hpp"

namespace desaster {

struct ClientOptions {
  std::string endpoint = "tcp://127.0.0.1:2691";
  std::chrono::milliseconds timeout{10'000};  // per request, 0: wait forever
  std::string name = "client";
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

  // Queueing disciplines and ETAs.
  // A job with its ETA (set for queued and scheduled jobs when the node can tell).
  Result<protocol::GetReply> get_with_eta(JobId id);
  // Shows a queue's discipline, or sets it and shows the result.
  Result<protocol::QdiscReply> qdisc(const protocol::QdiscCommand& command);

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
};

class Worker {
 public:
  static Result<std::unique_ptr<Worker>> connect(const WorkerOptions& options);
  ~Worker();

  // Waits up to timeout for the next leased job (heartbeats go out meanwhile).
  Result<std::optional<Lease>> next(std::chrono::milliseconds timeout);
  // Reports a job's end; gives its slot back.
  Status report(const Lease& lease, const WorkOutcome& outcome);
  // Runs handler for each job until it returns false from keep_going or the
  // connection fails.
  Status run(const std::function<WorkOutcome(const Lease&)>& handler,
             const std::function<bool()>& keep_going);

 private:
  struct Impl;
  explicit Worker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace desaster
