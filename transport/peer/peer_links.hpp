// A clustered node's links to its peers: one DEALER per peer found by
// beacon, connected to that peer's node port (-p + 2, the ROUTER its
// workers use too). Raft messages go out as [kRaftFrameTag, message]; the
// receiving ROUTER tells them from client-protocol frames by the tag (see
// raft_payload). Replies a peer sends back on a link (to requests this node
// forwarded) reach the reply handler.
//
// A link to a peer that is gone keeps at most kMaxQueued messages waiting;
// more are dropped. That is fine for Raft, which resends what matters.
//
// Threading: loop thread only. close() before destroying.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uv.h>
#include <zmq.hpp>

#include "transport/loop/zmq_watcher.hpp"
#include "transport/peer/relay_frame.hpp"
#include "transport/security/group_keys.hpp"

namespace desaster {

inline constexpr std::string_view kRaftFrameTag = "DSTR-RAFT/1";

// The Raft message of a ROUTER message [routing id, tag, message], or
// nullopt when it is something else (a client or worker request).
std::optional<std::string_view> raft_payload(const std::vector<zmq::message_t>& parts);

class PeerLinks {
 public:
  static constexpr std::size_t kMaxQueued = 1000;
  // One message received on a link: [frame].
  using ReplyHandler = std::function<void(const std::string& node_id, std::string_view frame)>;

  // keys: the group's; every link speaks CURVE with the group's server
  // keypair, which the peer's ZAP handler admits as a node.
  PeerLinks(uv_loop_t* loop, zmq::context_t& context, const GroupKeys& keys,
            ReplyHandler on_reply = {});
  ~PeerLinks();
  PeerLinks(const PeerLinks&) = delete;
  PeerLinks& operator=(const PeerLinks&) = delete;

  // Links to node_id at endpoint ("tcp://10.0.0.2:2693"); a link to another
  // endpoint is replaced. Returns false (and keeps no link) when the socket
  // cannot be set up.
  bool connect(const std::string& node_id, const std::string& endpoint);
  void disconnect(const std::string& node_id);
  bool linked(const std::string& node_id) const { return links_.count(node_id) > 0; }
  std::optional<std::string> endpoint(const std::string& node_id) const;

  // False when there is no link or its queue is full (the message is dropped).
  bool send_raft(const std::string& node_id, std::string_view message);
  bool send_frame(const std::string& node_id, std::string_view frame);
  // A worker's frame relayed to node_id (relay_frame.hpp): [tag, via_node, worker, frame].
  bool send_relay(const std::string& node_id, std::string_view via_node, std::string_view worker,
                  std::string_view frame);
  // Relay messages a peer sends back on a link (for this node's workers).
  using RelayHandler = std::function<void(const std::string& node_id, const RelayFrame& relay)>;
  void set_relay_handler(RelayHandler handler) { on_relay_ = std::move(handler); }
  std::uint64_t dropped() const { return dropped_; }

  void close(std::function<void()> done);

 private:
  struct Link {
    std::string endpoint;
    std::unique_ptr<zmq::socket_t> socket;
    std::unique_ptr<ZmqWatcher> watcher;
  };
  bool send(const std::string& node_id, std::vector<zmq::message_t> parts);
  void on_link_message(const std::string& node_id, std::vector<zmq::message_t>& parts);
  void retire(Link link);

  uv_loop_t* loop_;
  zmq::context_t& context_;
  const GroupKeys& keys_;
  ReplyHandler on_reply_;
  RelayHandler on_relay_;
  std::map<std::string, Link> links_;
  std::uint64_t dropped_ = 0;
  std::size_t closing_ = 0;
  bool closed_ = false;
  std::function<void()> on_closed_;
};

}  // namespace desaster
