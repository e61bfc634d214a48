// The publishing side of the state feed (the ZeroMQ Guide's Clone pattern,
// server side): every entry this node applies goes out on its PUB socket
// (TCP PORT+1) as a feed frame (transport/protocol/feed_frame.hpp) and into
// a ring of recent frames that "feed_ops" answers from; "feed_snapshot"
// answers with the State at the last published position.
//
// A PUB never blocks: a subscriber past its high-water mark loses frames and
// fills the gap from the ring (or a snapshot). Every node publishes, leader
// or not: in a cluster each applies every committed entry in the same order,
// so a subscriber may attach to any node.
//
// Threading: loop thread only. Does not own the socket.
#pragma once

#include <cstdint>
#include <string>

#include <zmq.hpp>

#include "core/model/log_entry.hpp"
#include "core/node/feed_ring.hpp"
#include "core/node/feed_snapshot_cache.hpp"
#include "core/state/state.hpp"
#include "transport/protocol/feed_messages.hpp"

namespace desaster {

class FeedPublisher {
 public:
  // socket: a bound PUB, or null (nothing is sent; the ring still fills).
  FeedPublisher(zmq::socket_t* socket, const State& state, FeedRing ring = FeedRing());

  void publish(const LogEntry& entry);
  // Called about once a second: when nothing was published since the last
  // call, sends the last frame again, so a subscriber that lost the newest
  // frames learns of them (the Clone pattern's heartbeat, carrying the
  // sequence). Subscribers take it as a duplicate otherwise. Also ages the
  // snapshot encodings nobody reads.
  void heartbeat();

  // A chunk of the State at the position of the last entry applied: the
  // State's own position, or a later one when the entries after it were Raft
  // membership changes (which do not touch the State).
  Result<protocol::FeedSnapshotReply> snapshot(const protocol::FeedSnapshot& request);
  // The frames from..to, or not_found "too old" when the ring no longer
  // holds `from` (or it was not published yet).
  Result<protocol::FeedOpsReply> ops(std::uint64_t from, std::uint64_t to) const;

  std::uint64_t published() const { return published_; }
  std::uint64_t send_failures() const { return send_failures_; }

 private:
  zmq::socket_t* socket_;
  const State& state_;
  FeedRing ring_;
  FeedSnapshotCache snapshots_;
  std::uint64_t last_index_ = 0;
  std::uint64_t last_term_ = 0;
  std::uint64_t published_ = 0;
  std::uint64_t send_failures_ = 0;
  std::uint64_t published_at_heartbeat_ = 0;
};

}  // namespace desaster
