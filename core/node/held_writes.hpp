// Client writes that reach a node while no leader takes writes wait here for
// the next leader instead of being refused: a follower that knows no leader
// (an election) or has no link to it yet (a new process after a hot
// upgrade), or a leader handing leadership over for a hot upgrade, from the
// moment it settles its last proposals. A client rides out a failover or an
// upgrade without a retry of its own. Once a leader takes writes the node
// passes them on in arrival order, forwarded or, if this node won, handled
// here; what is still held after `patience` is refused as it would have been
// at once.
//
// Only writes that were never forwarded are held: one forwarded to a leader
// that died may have been applied, and sending it again could apply it
// twice (Forwarder waits for that leader's answer, then answers unavailable).
//
// Bounded by count and bytes; past either, a write is refused at once.
//
// Threading: loop thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/job.hpp"
#include "core/node/peer.hpp"

namespace desaster {

class HeldWrites {
 public:
  struct Held {
    Peer client;
    std::string frame;  // the client's request, as it came
    TimeMs since = 0;
  };

  static constexpr std::size_t kMaxWrites = 4096;
  static constexpr std::size_t kMaxBytes = 64u << 20;

  explicit HeldWrites(TimeMs patience) : patience_(patience) {}

  // False when patience is 0 or the hold is full: refuse the write now.
  bool hold(const Peer& client, std::string_view frame, TimeMs now);
  // Everything held, oldest first, for a leader that is now known.
  std::vector<Held> take_all();
  // What has waited `patience` or longer by now, oldest first.
  std::vector<Held> take_expired(TimeMs now);
  bool empty() const { return held_.empty(); }

 private:
  TimeMs patience_;
  std::size_t bytes_ = 0;
  std::deque<Held> held_;
};

}  // namespace desaster
