// Typed bodies of replies and pushes, both directions: the node packs them
// with encode_body() and hands the bytes to encode_reply()/encode_push(); a
// client reads Reply::body back with decode_body(). The field names are the
// ones in messages.hpp's comments. Readers skip fields they do not know, so a
// newer node may add some; a known field with the wrong type is an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job.hpp"
#include "core/model/status.hpp"
#include "transport/protocol/assign_replies.hpp"
#include "transport/protocol/job_wire.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/monitor_replies.hpp"

namespace desaster::protocol {

// "hello" -> {node, version, protocol}
struct HelloReply {
  std::string node;     // the node's id
  std::string version;  // the node's software version
  std::uint32_t protocol = kProtocolVersion;
};

// "enqueue" -> {ids: [uint or nil], errors: [nil or {code, message}], jobs?}
struct EnqueueReply {
  std::vector<JobId> ids;      // 0 (nil on the wire) where the job was refused
  std::vector<Status> errors;  // one per id; ok (nil) where it was accepted
  // Only with wait: one per id, nil where refused or not final in time.
  // An empty vector leaves the field out.
  std::vector<std::optional<Job>> jobs;
};

// "wait" -> {jobs: [job map or nil]}
struct WaitReply {
  std::vector<std::optional<Job>> jobs;
  // The jobs' ETAs (job_wire.hpp), inside each job map on the wire; empty,
  // or one per job.
  std::vector<std::optional<JobEta>> etas{};
};

// "get" -> {job}
struct GetReply {
  Job job;
  // The replica's log position the answer reflects (its applied index and
  // that entry's term): a follower answers reads from its own replica.
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::optional<JobEta> eta{};  // inside the job map on the wire
};

// "list" -> {jobs, next, total, cursor, total_exact, index, term}
struct ListReply {
  std::vector<Job> jobs;
  JobId next = 0;  // the "after" of the next page in ascending id order, 0 at the end
  std::uint64_t total = 0;
  std::string cursor{};     // the next page's "cursor", empty at the end
  bool total_exact = true;  // false: total is an estimate (a bounded count)
  // The answering replica's log position: the page is the state as of this
  // applied index (and its term).
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::vector<std::optional<JobEta>> etas{};  // as in WaitReply
};

// "retry", "delete" -> {errors: [nil or {code, message}]}
struct ErrorsReply {
  std::vector<Status> errors;
};

// One queue in "queues" -> {queues: [{name, paused, counts: {state: n}, qdisc}]}
struct QueueSummary {
  std::string name;
  bool paused = false;
  std::uint64_t counts[7] = {};  // by JobState; states without jobs may be left out
  std::string qdisc{};           // its discipline's kind: fifo, priority, sfq, htb
};
struct QueuesReply {
  std::vector<QueueSummary> queues;
};

// One worker of a pool on the answering node, in "pool" list.
struct PoolWorkerSummary {
  std::uint32_t slot = 0;
  std::int64_t pid = 0;
  std::string state;  // starting, idle, busy, stopping, exiting
  JobId job = 0;      // 0: none
  std::uint64_t rss_kb = 0;
  std::uint32_t restarts = 0;
  bool outdated = false;  // of an older load, being replaced by a reload
};
// One pool in "pool" list -> {pools: [{spec, local, master_state, master_pid,
// generation, last_error, target, waiting, spawned, died,
// killed_past_timeout, replaced_over_memory, jobs_done, workers}]}.
// spec is the declaration; the rest describes the answering node's run of
// it and is left out (local false) where the pool runs elsewhere.
struct PoolSummary {
  PoolSpec spec;
  bool local = false;
  std::string master_state;
  std::int64_t master_pid = 0;
  std::uint64_t generation = 0;  // the generation this node runs
  std::string last_error;
  std::uint32_t target = 0;
  std::uint64_t waiting = 0;
  std::uint64_t spawned = 0;
  std::uint64_t died = 0;
  std::uint64_t killed_past_timeout = 0;
  std::uint64_t replaced_over_memory = 0;
  std::uint64_t jobs_done = 0;
  std::vector<PoolWorkerSummary> workers;
  std::uint64_t replaced_over_cpu = 0;   // stopped after a job above the CPU limit
  std::uint64_t killed_over_cpu = 0;     // killed mid-job past the limit grace
  std::uint64_t killed_over_memory = 0;  // killed mid-job past the limit grace
};
struct PoolsReply {
  std::vector<PoolSummary> pools;
};

// One node in "nodes": the answering node itself (self), or a peer it found
// by beacon. role: leader, voter, learner, or discovered (found, not a
// member); term and index are known for self only.
struct NodeSummary {
  std::string node;  // 32 hex digits
  std::string address;
  std::uint16_t port = 0;  // peer and dispatch traffic
  std::string role;
  bool self = false;
  std::uint64_t term = 0;
  std::uint64_t index = 0;
  std::uint64_t last_seen_ms = 0;  // peers: when its last beacon came (node's clock)
  std::uint32_t running = 0;       // self: jobs running on its workers
  std::uint32_t free_slots = 0;    // self: free worker slots
  bool draining = false;           // drained by NodeDrainOp: no new leases
  // Raft, as the node asked knows it: its own commit index, and a member's
  // lag (leader's last index - what the member holds; known on the leader).
  std::uint64_t commit = 0;
  std::optional<std::uint64_t> lag;
};
struct NodesReply {
  std::string mode;  // standalone or clustered
  std::vector<NodeSummary> nodes;
  std::uint64_t beacons_dropped = 0;
};

// "worker" -> {heartbeat_ms, batch?}; batch: true (written only then): the
// node takes "reports" (messages.hpp). Older nodes leave it out.
struct WorkerReply {
  std::uint32_t heartbeat_ms = kWorkerHeartbeatMs;
  bool batch = false;
};

// The "lease" push: {job: job map, term}
inline constexpr std::string_view kLeasePush = "lease";
struct LeasePush {
  Job job;
  std::uint64_t term = 0;
};

// The "leases" push, to a worker that registered with batch: true: the
// leases of one dispatcher turn for that worker, each with only what the
// worker runs. {term, leases: [[id, attempt, kind, queue, class, payload
// (bin), timeout_ms], ...]}, 1 to kMaxLeasesPerPush leases.
inline constexpr std::string_view kLeasesPush = "leases";
inline constexpr std::size_t kMaxLeasesPerPush = 4'096;
struct SlimLease {
  JobId id = 0;
  std::uint32_t attempt = 0;
  JobKind kind = JobKind::task;
  std::string queue;
  std::string job_class;
  std::string payload;
  std::uint32_t timeout_ms = 0;
  bool operator==(const SlimLease&) const = default;
};
struct LeasesPush {
  std::uint64_t term = 0;
  std::vector<SlimLease> leases;
};

std::string encode_body(const HelloReply& body);
std::string encode_body(const EnqueueReply& body);
std::string encode_body(const WaitReply& body);
std::string encode_body(const GetReply& body);
std::string encode_body(const ListReply& body);
std::string encode_body(const ErrorsReply& body);
std::string encode_body(const QueuesReply& body);
std::string encode_body(const WorkerReply& body);
std::string encode_body(const LeasePush& body);
std::string encode_body(const LeasesPush& body);
std::string encode_body(const PoolsReply& body);
std::string encode_body(const NodesReply& body);

// bytes: a Reply's body. Errors start "reply body field ...". out is left
// alone on error.
Status decode_body(std::string_view bytes, HelloReply& out);
Status decode_body(std::string_view bytes, EnqueueReply& out);
Status decode_body(std::string_view bytes, WaitReply& out);
Status decode_body(std::string_view bytes, GetReply& out);
Status decode_body(std::string_view bytes, ListReply& out);
Status decode_body(std::string_view bytes, ErrorsReply& out);
Status decode_body(std::string_view bytes, QueuesReply& out);
Status decode_body(std::string_view bytes, WorkerReply& out);
Status decode_body(std::string_view bytes, LeasePush& out);
Status decode_body(std::string_view bytes, LeasesPush& out);
Status decode_body(std::string_view bytes, PoolsReply& out);
Status decode_body(std::string_view bytes, NodesReply& out);

}  // namespace desaster::protocol

#include "transport/protocol/query_replies.hpp"
