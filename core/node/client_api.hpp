// The node's answer to every client-protocol request (protocol/messages.hpp):
// decodes the frame, checks it, turns writes into ops through the proposer
// and answers reads from the state. Worker messages go to the dispatcher.
// A malformed request is answered with bad_request and logged; it never
// stops the node.
//
// Threading: loop thread only.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/job_id.hpp"
#include "core/node/dispatcher.hpp"
#include "core/node/feed_publisher.hpp"
#include "core/node/job_action_handler.hpp"
#include "core/node/log.hpp"
#include "core/node/peer.hpp"
#include "core/node/proposer.hpp"
#include "core/node/query_answers.hpp"
#include "core/node/refusal_log.hpp"
#include "core/node/resend_filter.hpp"
#include "core/node/waiters.hpp"
#include "core/node/worker_relay.hpp"
#include "core/state/state.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/recovery_wire.hpp"
#include "transport/protocol/replies.hpp"

namespace desaster {

struct NodeInfo {
  std::string node_id;
  std::string version;
};

class ClientApi {
 public:
  using Clock = std::function<TimeMs()>;

  ClientApi(const State& state, Proposer& proposer, Dispatcher& dispatcher, Waiters& waiters,
            Logger& log, NodeInfo info, Clock clock, JobIdGenerator& ids);

  // One multipart message from a ROUTER: [routing id, frame].
  void on_message(ZmqWatcher* socket, std::vector<zmq::message_t>& parts);

  void set_draining(bool draining) { draining_ = draining; }
  // Protected mode (protected_mode.hpp): requests from other machines are
  // refused with an error that says how to set a key.
  void set_protected(bool on) { protected_ = on; }
  // Answers "pool" list: every declared pool, with its workers on this node.
  using PoolLister = std::function<std::vector<protocol::PoolSummary>()>;
  void set_pool_lister(PoolLister lister) { pool_lister_ = std::move(lister); }
  // Answers "nodes": this node and the peers it found.
  using NodesLister = std::function<protocol::NodesReply()>;
  void set_nodes_lister(NodesLister lister) { nodes_lister_ = std::move(lister); }
  // A clustered follower passes writes on to its leader: the forwarder
  // returns true when it took the request (the reply will come from the
  // leader), false to have this node answer it (then with "not the leader").
  using WriteForwarder = std::function<bool(const Peer& peer, std::string_view frame)>;
  void set_write_forwarder(WriteForwarder forwarder) { write_forwarder_ = std::move(forwarder); }
  // A write the forwarder held while no leader was known (HeldWrites), now
  // that one is: forwarded again, or handled here on the new leader.
  void resume_write(const Peer& peer, std::string_view frame);
  // The same write, refused with status when its hold ran out.
  void refuse_write(const Peer& peer, std::string_view frame, const Status& status);
  std::uint64_t bad_requests() const { return bad_requests_; }
  // A clustered node's workers reach the leader through its relay: their
  // hello, credit, report and heartbeat go there instead of to the local
  // dispatcher (client_api_relay.cpp).
  void set_worker_relay(WorkerRelay* relay) { relay_ = relay; }
  // A worker's frame relayed to this (leading) node, from a follower's link
  // or from its own relay; anything but a worker message is dropped.
  void on_worker_frame(const Peer& peer, std::string_view frame);
  // Answers "resources": the node's monitor (client_api_monitor.cpp).
  using ResourcesLister = std::function<protocol::ResourcesReply(const protocol::Resources&)>;
  void set_resources_lister(ResourcesLister lister) { resources_lister_ = std::move(lister); }
  // Answers "force_recovery" (client_api_recovery.cpp); unset: a standalone
  // node, which is a one-voter cluster already.
  using ForceRecoveryHandler =
      std::function<Result<protocol::ForceRecoveryReply>(const protocol::ForceRecovery&)>;
  // Answers "upgrade" (upgrade_messages.hpp); unset: refused.
  using UpgradeHandler = std::function<Result<protocol::UpgradeReply>(const protocol::Upgrade&)>;
  void set_upgrade_handler(UpgradeHandler handler) { upgrade_handler_ = std::move(handler); }
  // Answers "transfer_leadership" (client_api_recovery.cpp) when the
  // transfer ends, through `reply`; unset: a standalone node.
  using TransferReply = std::function<void(const Result<protocol::TransferLeadershipReply>&)>;
  using TransferHandler =
      std::function<void(const protocol::TransferLeadership&, TransferReply reply)>;
  void set_transfer_handler(TransferHandler handler) { transfer_handler_ = std::move(handler); }
  void set_force_recovery(ForceRecoveryHandler handler) {
    force_recovery_handler_ = std::move(handler);
  }
  // Answers "feed_snapshot" and "feed_ops" (client_api_feed.cpp).
  void set_feed(FeedPublisher* feed) { feed_ = feed; }
  // Adds a module's own keys to the "stats" reply (the HTTP front end's "http").
  using StatsExtra = std::function<void(protocol::BodyWriter& body)>;
  void set_stats_extra(StatsExtra extra) { stats_extra_ = std::move(extra); }

 private:
  void handle(const Peer& peer, protocol::Request& request);
  void enqueue(const Peer& peer, std::uint64_t id, protocol::Enqueue& request);
  void queue_command(const Peer& peer, std::uint64_t id, const protocol::QueueCommand& command);
  void ids_op(const Peer& peer, std::uint64_t id, Op op);
  void stats(const Peer& peer, std::uint64_t id);
  void pool_command(const Peer& peer, std::uint64_t id, protocol::PoolCommand& command);
  bool refuse_while_draining(const Peer& peer, std::uint64_t id);
  // Worker assignment (client_api_assign.cpp).
  void assign_command(const Peer& peer, std::uint64_t id, protocol::AssignCommand& command);
  void assign_list(const Peer& peer, std::uint64_t id);
  // A node named by id, id prefix (4+ hex digits) or host name, as its full
  // id when it is this node or a peer it knows; else unchanged (a pin to a
  // node nobody knows just waits).
  std::string resolve_node(const std::string& name) const;
  void resources(const Peer& peer, std::uint64_t id, const protocol::Resources& request);
  void blacklist(const Peer& peer, std::uint64_t id, const protocol::BlacklistCommand& command);
  // Queueing disciplines and the ETA (client_api_qdisc.cpp).
  void qdisc_command(const Peer& peer, std::uint64_t id, protocol::QdiscCommand& command);
  std::optional<protocol::JobEta> eta_of(const Job& job, TimeMs now) const;
  void force_recovery(const Peer& peer, std::uint64_t id, const protocol::ForceRecovery& request);
  void transfer_leadership(const Peer& peer, std::uint64_t id,
                           const protocol::TransferLeadership& request);
  // Cron entries (client_api_cron.cpp).
  void cron_command(const Peer& peer, std::uint64_t id, protocol::CronCommand& command);
  // The state feed's catch-up (client_api_feed.cpp).
  void feed_snapshot(const Peer& peer, std::uint64_t id, const protocol::FeedSnapshot& request);
  void feed_ops(const Peer& peer, std::uint64_t id, const protocol::FeedOps& request);

  const State& state_;
  Proposer& proposer_;
  Dispatcher& dispatcher_;
  Waiters& waiters_;
  Logger& log_;
  NodeInfo info_;
  Clock clock_;
  JobIdGenerator& ids_;
  bool draining_ = false;
  StatsExtra stats_extra_;
  bool protected_ = false;
  std::uint64_t bad_requests_ = 0;
  // One per listening socket (the client and dispatch ROUTERs): a client's
  // resend of a request the node already read is dropped.
  std::unordered_map<const ZmqWatcher*, ResendFilter> resends_;
  // Bad requests and protected-mode refusals: logged once a minute, not per frame.
  RefusalLog refusals_{log_};
  PoolLister pool_lister_;
  NodesLister nodes_lister_;
  JobActionHandler actions_;
  ResourcesLister resources_lister_;
  WriteForwarder write_forwarder_;
  WorkerRelay* relay_ = nullptr;
  ForceRecoveryHandler force_recovery_handler_;
  UpgradeHandler upgrade_handler_;
  TransferHandler transfer_handler_;
  FeedPublisher* feed_ = nullptr;
};

// The requests of the worker side: hello, credit, report, heartbeat.
bool is_worker_request(const protocol::RequestBody& body);

// The job a JobSpec asks for, with `id`, created at `now`; bad_request naming
// what is wrong (the queue name, a shell payload that does not decode).
Status make_job(const protocol::JobSpec& spec, TimeMs now, JobId id, Job& job);

// Requests that change the state (they become ops), which only a leader takes.
bool is_write_request(const protocol::RequestBody& body);

// Reply bodies: {jobs: [job map or nil]} (with each job's ETA when eta is
// given; EtaFn is in query_answers.hpp) and the enqueue reply
// {ids, errors[, jobs]}; ids of 0 pack as nil.
std::string pack_jobs_reply(const State& state, const std::vector<JobId>& ids,
                            const EtaFn& eta = {});
std::string pack_enqueue_reply(const State& state, const std::vector<JobId>& ids,
                               const std::vector<Status>& errors, bool with_jobs);

}  // namespace desaster
