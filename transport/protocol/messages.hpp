// The client protocol, message by message (ARCHITECTURE.md has the prose).
//
// Every message is one ZeroMQ frame holding a msgpack array:
//   request  [kProtocolVersion, request id (uint), type (str), body (map)]
//   reply    [kProtocolVersion, request id, status (str: "ok" or an ErrorCode name), body (map)]
//   push     [kProtocolVersion, 0, type (str), body (map)]       node -> worker ("lease")
// A client uses a DEALER; the node answers on its ROUTER. Request ids are
// the client's, echoed in the reply; 0 is reserved for pushes. An error reply's
// body is {"message": str}. A frame too broken to yield its id is answered
// with an error reply with id 0, which readers tell from a push by its
// status name (push types are never status names).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/model/job.hpp"
#include "core/model/job_query.hpp"
#include "core/model/pool_spec.hpp"
#include "core/model/queue.hpp"
#include "core/model/status.hpp"
#include "transport/protocol/action_messages.hpp"
#include "transport/protocol/assign_messages.hpp"
#include "transport/protocol/cron_messages.hpp"
#include "transport/protocol/feed_messages.hpp"
#include "transport/protocol/job_spec.hpp"
#include "transport/protocol/monitor_messages.hpp"
#include "transport/protocol/qdisc_messages.hpp"
#include "transport/protocol/recovery_messages.hpp"
#include "transport/protocol/transfer_messages.hpp"
#include "transport/protocol/upgrade_messages.hpp"

namespace desaster::protocol {

inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::size_t kMaxFrameBytes = 16u << 20;  // larger frames are refused
inline constexpr std::size_t kMaxBatch = 100'000;         // jobs or ids in one request

// "hello" {protocol, client} -> {node, version, protocol}
struct Hello {
  std::uint32_t protocol = kProtocolVersion;
  std::string client;
};
// "enqueue" {jobs: [JobSpec map...], wait: bool, timeout_ms}
//   -> {ids: [uint or nil], errors: [nil or {code, message}]}, and with wait
//      also jobs: [job map or nil] once every accepted job is final or the
//      timeout passed.
struct Enqueue {
  std::vector<JobSpec> jobs;
  bool wait = false;
  std::uint32_t timeout_ms = 0;  // 0: wait without limit
};
// "wait" {ids, timeout_ms} -> {jobs: [job map or nil]} when every job is
// final (succeeded, dead, killed) or the timeout passed.
struct Wait {
  std::vector<JobId> ids;
  std::uint32_t timeout_ms = 0;
};
// "get" {id} -> {job}
struct Get {
  JobId id = 0;
};
// "list" {queue, state, after, limit, and the query fields below, each
// optional} -> {jobs, next, total, cursor, total_exact, index, term}
// (replies.hpp). The query fields are those of ListQuery (core/state/state.hpp):
//   states: [str], search, class, node, flow: str, attempts_min,
//   attempts_max: uint, created_after, created_before, started_after,
//   started_before, finished_after, finished_before, run_after, run_before:
//   int ms ("after" inclusive, "before" exclusive), sort: a SortColumn name,
//   desc: bool, cursor: str (a reply's cursor).
struct List {
  std::string queue;
  std::optional<JobState> state;
  JobId after = 0;
  std::uint32_t limit = 100;

  std::vector<JobState> states{};
  std::string search{};
  std::string job_class{};
  std::string node{};
  std::string flow{};
  std::uint32_t attempts_min = 0;
  std::uint32_t attempts_max = std::numeric_limits<std::uint32_t>::max();
  TimeRange created{};
  TimeRange started{};
  TimeRange finished{};
  TimeRange run_at{};
  SortColumn sort = SortColumn::id;
  bool descending = false;
  std::string cursor{};
};
// "retry" / "delete" {ids} -> {errors: [nil or {code, message}]}
struct Retry {
  std::vector<JobId> ids;
};
struct Delete {
  std::vector<JobId> ids;
};
// "queues" {} -> {queues: [{name, paused, counts: {state: n}}]}
struct Queues {};
// "queue" {action: create|pause|resume|clear|delete, name, config?} -> {}
enum class QueueAction : std::uint8_t { create, pause, resume, clear, remove };
struct QueueCommand {
  QueueAction action = QueueAction::create;
  std::string name;
  std::optional<QueueConfig> config;  // for create: "max_attempts", "backoff_base_ms", ...
};
// "stats" {} -> {node, version, index, term, counts, totals, queues, workers, running}
struct Stats {};

// Worker side. A worker registers, then grants credit; the node pushes
// "lease" {job: job map, term} for each job and the worker answers with
// "report". A worker silent for kWorkerTimeoutMs loses its leases.
// "worker" {name, queues: [str], kinds?: [str], slots} -> {heartbeat_ms}
struct WorkerHello {
  std::string name;
  std::vector<std::string> queues;  // "*" serves every queue
  std::vector<JobKind> kinds;       // "kinds": the kinds it runs; empty: every kind
  std::uint32_t slots = 1;          // initial credit
  // "pool": the node pool it belongs to ("shell", a Ruby pool's name); the
  // node then gives it the pool's assigned queues instead of `queues`.
  std::string pool;
  // "running": [[id, term, attempt]...], jobs it still runs under an older
  // leader's leases. Only a node's relay sends it, registering its worker
  // with a new leader: those jobs' reports then give their slots back.
  struct HeldLease {
    JobId id = 0;
    std::uint64_t term = 0;
    std::uint32_t attempt = 0;
    bool operator==(const HeldLease&) const = default;
  };
  std::vector<HeldLease> running;
  // "batch": true (written only then): the worker takes "leases" pushes,
  // several slim leases in one message (replies.hpp). A node that predates
  // it refuses the field ("... field 'batch' is not known"); the worker then
  // registers again without it and gets one "lease" push per job.
  bool batch = false;
};
// "credit" {slots, withdraw?} -> no reply: adds `slots` free slots, then
// takes back up to `withdraw` of them (at most down to 0). A Ruby pool
// withdraws the slots its local transient HTTP requests took, so that the
// leader's view of its free workers stays true.
struct Credit {
  std::uint32_t slots = 1;
  std::uint32_t withdraw = 0;
};
// "report" {id, term, attempt, outcome, exit_status, output, error, cpu_ms, max_rss_kb} -> {}
// A report also gives its slot back as credit.
struct Report {
  JobId id = 0;
  std::uint64_t term = 0;
  std::uint32_t attempt = 0;
  Outcome outcome = Outcome::succeeded;
  std::int32_t exit_status = 0;
  std::string output;
  std::string error;
  std::uint64_t cpu_ms = 0;
  std::uint64_t max_rss_kb = 0;
};
// "heartbeat" {} -> no reply
struct Heartbeat {};
// "reports" {reports: [report map, ...]} -> {} once every one is durable:
// several reports in one message (1 to kMaxReportsPerMessage), proposed in
// one op. Sent only to a node whose "worker" reply said batch: true.
struct Reports {
  std::vector<Report> reports;
};
inline constexpr std::size_t kMaxReportsPerMessage = 4'096;

// "pool" {action: add|remove|reload|list, name?, spec?}
//   add {spec: pool map (pool_wire.hpp)}, remove/reload {name} -> {}
//   list {} -> {pools: [pool summary]} (replies.hpp): every declared pool,
//   with its master and workers on the answering node.
enum class PoolAction : std::uint8_t { add, remove, reload, list };
struct PoolCommand {
  PoolAction action = PoolAction::list;
  std::string name;
  std::optional<PoolSpec> spec;  // add
};

// "nodes" {} -> {nodes: [node summary], beacons_dropped} (replies.hpp): the
// answering node and every peer it has found by beacon.
struct Nodes {};

inline constexpr std::uint32_t kWorkerHeartbeatMs = 1'000;
inline constexpr std::uint32_t kWorkerTimeoutMs = 5'000;
// What a dispatcher answers (code not_found) to the heartbeat or credit of
// a worker it does not know, e.g. one it dropped as silent while its node
// was paused or cut off: the worker (or its node's relay) registers again.
inline constexpr std::string_view kUnregisteredWorker = "unregistered worker: register again";

}  // namespace desaster::protocol

#include "transport/protocol/query_messages.hpp"

namespace desaster::protocol {

using RequestBody =
    std::variant<Hello, Enqueue, Wait, Get, List, Retry, Delete, Queues, QueueCommand, Stats,
                 WorkerHello, Credit, Report, Heartbeat, PoolCommand, Nodes, JobAction,
                 // query (query_messages.hpp)
                 Groups,
                 // worker assignment (assign_messages.hpp)
                 AssignCommand,
                 // resource monitoring and the blacklist (monitor_messages.hpp)
                 Resources, BlacklistCommand,
                 // queueing disciplines (qdisc_messages.hpp)
                 QdiscCommand,
                 // force-recovery of a cluster that lost its majority (recovery_messages.hpp)
                 ForceRecovery,
                 // cron entries (cron_messages.hpp)
                 CronCommand,
                 // the state feed's catch-up (feed_messages.hpp)
                 FeedSnapshot, FeedOps,
                 // a standalone node's hot upgrade (upgrade_messages.hpp)
                 Upgrade,
                 // a Raft leadership transfer (transfer_messages.hpp)
                 TransferLeadership,
                 // several worker reports in one message
                 Reports>;

const char* to_string(PoolAction action);

struct Request {
  std::uint64_t id = 0;
  RequestBody body;
};

// The type string of a body ("enqueue", ...).
const char* request_type(const RequestBody& body);

std::string encode_request(const Request& request);
// Errors say what was wrong: "request body field 'jobs' must be an array".
// The request id is recovered when the envelope is sound, so the error can
// be answered (id 0 otherwise).
Result<Request> decode_request(std::string_view frame, std::uint64_t* id_for_error = nullptr);

// A reply or a push as seen by a client. A push has id 0 and a type; an
// error reply about an unreadable frame has id 0 and no type.
struct Reply {
  std::uint64_t id = 0;
  std::string type;  // pushes only ("lease")
  Status status;     // an error reply's code and message; ok for pushes
  std::string body;  // the msgpack map, for the typed decoders of replies.hpp
};
Result<Reply> decode_reply(std::string_view frame);
// body: an already-packed msgpack map (see body_writer.hpp and replies.hpp);
// empty means {}. For an error status the body is {"message": status.message}
// and the body argument is ignored.
std::string encode_reply(std::uint64_t id, const Status& status, std::string_view body);
std::string encode_push(std::string_view type, std::string_view body);

}  // namespace desaster::protocol
