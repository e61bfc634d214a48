// A follower's forwarding of client writes to the leader: the request goes
// over the peer link (PeerLinks) under an id of this node's, the leader
// handles it like any client's, and its reply comes back on the same link
// and goes to the client under the client's own id. Reads never come here:
// a follower answers them from its replica.
//
// When the leader changes, requests still waiting keep waiting for the
// node they went to, at most `patience` (--leaderless-hold) longer: in a
// planned leadership transfer (a hot upgrade) the old leader is alive and
// answers them (it committed them, or held them and passed them on to the
// next leader), so the client sees no refusal. What it has not answered by
// then is answered unavailable (it may have been applied: the client can
// look before it retries); nothing is sent twice. A patience of 0 answers
// them at the change, as before.
//
// Request ids start at a random point: a reply that comes late, to the
// next process after a hot upgrade, must not match another client's request.
//
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/model/job.hpp"
#include "core/node/log.hpp"
#include "core/node/peer.hpp"
#include "transport/peer/peer_links.hpp"

namespace desaster {

class Forwarder {
 public:
  Forwarder(PeerLinks& links, Logger& log, TimeMs patience);

  // False when the frame could not go (no link to the leader, or it does
  // not re-encode); the caller then answers the client itself.
  bool forward(const std::string& leader, const Peer& client, std::string_view frame);
  // A frame the leader sent back on its link.
  void on_reply(const std::string& from, std::string_view frame);
  // The leader changed (or this node's role or term): what waits gets
  // `patience` from now for its answer.
  void leader_changed(TimeMs now);
  // Answers unavailable what has waited past its deadline by now.
  void expire(TimeMs now);
  std::size_t in_flight() const { return waiting_.size(); }
  std::uint64_t forwarded() const { return forwarded_; }

 private:
  // Answers every request still waiting with status.
  void fail_all(const Status& status);

  struct Waiting {
    Peer client;
    std::uint64_t client_id = 0;
    std::string leader;
    TimeMs deadline = 0;  // 0: none yet (the leader has not changed)
  };

  PeerLinks& links_;
  Logger& log_;
  TimeMs patience_;
  std::uint64_t next_id_;
  std::uint64_t forwarded_ = 0;
  TimeMs first_deadline_ = 0;  // the earliest deadline waiting; 0: none
  std::unordered_map<std::uint64_t, Waiting> waiting_;
};

}  // namespace desaster
