// A clustered node's relay between its own workers and the leader's
// dispatcher, the one place that plans (ARCHITECTURE.md, "Cluster
// dispatch"). Workers keep talking to their own node; the relay answers
// their hello itself, registers them with the leader under keys of its own
// (RelayBook) and passes their credit, reports and heartbeats on: over the
// peer link to a remote leader, in process when this node leads. What the
// leader sends for a worker (leases, cancels, replies) comes back through
// deliver() and goes to the worker.
//
// When the leader or its term changes, every worker is registered again
// with its free credit and the leases it still holds (hello.running), so the
// new leader leases against what is really free and a late report of an
// old lease gives its slot back. A leader that answers a worker's heartbeat
// or credit with protocol::kUnregisteredWorker has dropped it (it was silent
// too long, as a paused or cut-off node's workers are): the relay registers
// it again at once, so it serves again instead of staying forgotten.
//
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "core/node/log.hpp"
#include "core/node/peer.hpp"
#include "core/node/relay_book.hpp"

namespace desaster {

// The request id of the relay's own hellos; their replies stop at the relay.
inline constexpr std::uint64_t kRelayRequestId = ~std::uint64_t{0};
// The key a report of a worker the relay has forgotten goes to the leader
// under: no worker has it, so the leader's dispatcher counts the run (the
// state decides whether it is current or a duplicate) and its answer stops.
inline constexpr std::string_view kUnknownWorkerKey = "-";

struct RelayStats {
  std::size_t workers = 0;
  std::uint32_t free_slots = 0;
  std::size_t held_leases = 0;
  std::uint64_t registrations = 0;  // hellos sent to a leader
  std::uint64_t relayed = 0;        // worker frames passed to a leader
  std::uint64_t dropped = 0;        // worker frames with no leader to go to
};

class WorkerRelay final : public LocalDelivery {
 public:
  // Sends a worker's frame over the link to a remote leader; false if it
  // could not go.
  using ToLeader = std::function<bool(const std::string& leader, const std::string& worker,
                                      std::string_view frame)>;
  // Hands a worker's frame to this node's own dispatcher (it leads).
  using ToSelf = std::function<void(const Peer& worker, std::string_view frame)>;

  WorkerRelay(std::string node_id, Logger& log, ToLeader to_leader, ToSelf to_self);

  // A worker message (hello, credit, report, heartbeat) from one of this
  // node's workers.
  void on_worker_request(const Peer& worker, std::string_view frame,
                         const protocol::Request& request, TimeMs now);
  // A frame from the leader for one of this node's workers.
  void deliver(const std::string& worker, std::string frame) override;
  // Called every loop turn with who leads now (empty: nobody known) and the
  // term: a change registers every worker with the new leader.
  void follow(const std::string& leader, std::uint64_t term);
  // Forgets workers silent past the worker timeout (the leader drops them too).
  void expire(TimeMs now);
  // This node did not run for `stalled` ms (StallWatch): not the workers' silence.
  void excuse_silence(TimeMs stalled) { book_.excuse_silence(stalled); }
  RelayStats stats() const;
  // A hot upgrade's old process drains: while holding, the leader is told
  // this node's workers have no free slot (their credit is withdrawn, a
  // report's returned slot withdrawn again, registrations offer none), so
  // only the leases already held run here. Releasing offers the free
  // slots again (a rollback).
  void set_holding(bool holding);

 private:
  // Tells the leader the worker's free slots: withdrawn (holding) or offered.
  void send_credit(const std::string& key, std::uint32_t slots, std::uint32_t withdraw);
  bool forward(const std::string& key, std::string_view frame);
  // A "reports" message: as it is to this node's own dispatcher; to another
  // leader one "report" each, as a leader of an older version knows only
  // those (worker_relay_reports.cpp).
  void forward_reports(const std::string& key, std::string_view frame, std::uint64_t request_id,
                       const protocol::Reports& reports);
  void register_worker(const std::string& key);

  std::string node_id_;
  Logger& log_;
  ToLeader to_leader_;
  ToSelf to_self_;
  RelayBook book_;
  std::map<std::string, Peer> workers_;  // key -> the worker's own connection
  std::map<Peer, std::string> keys_;
  std::set<std::string> unregistered_;  // registrations that could not go yet
  // Registered again because the leader did not know them (it dropped them
  // while this node was paused or cut off), until the leader answers that
  // hello: the refusals of the frames sent before it are not acted on twice.
  std::set<std::string> reregistering_;
  std::string leader_;
  std::uint64_t term_ = 0;
  bool holding_ = false;
  RelayStats stats_;
};

}  // namespace desaster
