// A follower's forwarding of client writes to the leader: the request goes
// over the peer link (PeerLinks) under an id of this node's, the leader
// handles it like any client's, and its reply comes back on the same link
// and goes to the client under the client's own id. Reads never come here:
// a follower answers them from its replica.
//
// When the leader changes, requests still waiting are answered unavailable
// (they may have been applied: the client can look before it retries).
//
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/node/log.hpp"
#include "core/node/peer.hpp"
#include "transport/peer/peer_links.hpp"

namespace desaster {

class Forwarder {
 public:
  Forwarder(PeerLinks& links, Logger& log) : links_(links), log_(log) {}

  // False when the frame could not go (no link to the leader, or it does
  // not re-encode); the caller then answers the client itself.
  bool forward(const std::string& leader, const Peer& client, std::string_view frame);
  // A frame the leader sent back on its link.
  void on_reply(const std::string& from, std::string_view frame);
  // Answers every request still waiting with status.
  void fail_all(const Status& status);
  std::size_t in_flight() const { return waiting_.size(); }
  std::uint64_t forwarded() const { return forwarded_; }

 private:
  struct Waiting {
    Peer client;
    std::uint64_t client_id = 0;
    std::string leader;
  };

  PeerLinks& links_;
  Logger& log_;
  std::uint64_t next_id_ = 1;
  std::uint64_t forwarded_ = 0;
  std::unordered_map<std::uint64_t, Waiting> waiting_;
};

}  // namespace desaster
