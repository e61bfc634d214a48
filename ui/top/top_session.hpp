// desaster-top's link to the cluster: a StateFeed replica and a Client on
// one node, the samples of "nodes" and "resources" (of that node, and
// "resources" of every other node the nodes reply lists, through their
// client ports, for the cluster-wide workers pane), the confirmed actions,
// and the move to another node when the one in use is lost. Synchronous,
// one thread (the feed's callbacks run inside poll()).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport/client/client.hpp"
#include "transport/client/state_feed.hpp"
#include "ui/top/top_data.hpp"
#include "ui/top/top_polled.hpp"
#include "ui/top/top_view.hpp"

namespace desaster::top {

class Session {
 public:
  // polled: ask the node every refresh instead of keeping a replica
  // (top_polled.hpp); also chosen when the feed cannot be had.
  Session(std::string endpoint, std::string group_key, bool polled = false);

  // Connects to the endpoint given (at start); the error says why not.
  Status connect();
  // Applies what the feed has delivered; true when the replica moved.
  // A feed error counts as a lost node (see failover()).
  bool poll_feed();
  // Asks "nodes" and "resources" of the node in use (on failure moves to
  // another node), then "resources" of each other node listed: one request
  // per node, at most kMaxPeers, a node that did not answer rested a while.
  void sample(std::int64_t now_ms);
  // Fills data from the replica and the last samples.
  void collect(TopData& data, std::size_t job_limit);
  // Performs a confirmed action; returns what to say and whether it failed.
  std::pair<std::string, bool> perform(const Action& action);

  RateTracker& rates() { return rates_; }
  bool connected() const { return client_ != nullptr; }
  // Whether changes arrive by the feed (else collect() must ask).
  bool live() const { return feed_ != nullptr; }

 private:
  Status connect_to(const std::string& endpoint);
  // The node in use is lost: tries the others the last "nodes" named,
  // then the same again, and says what happened in notice_.
  void failover(const std::string& reason);

  // The other nodes' "resources", asked on links of their own.
  void sample_peers(std::int64_t now_ms);

  struct Peer {
    std::unique_ptr<Client> client;
    std::int64_t retry_at = 0;  // after a failure, not asked before this
  };

  std::string endpoint_;
  std::string group_key_;
  std::unique_ptr<StateFeed> feed_;
  std::unique_ptr<Client> client_;
  RateTracker rates_;
  std::optional<protocol::NodesReply> nodes_;
  std::optional<protocol::ResourcesReply> resources_;
  std::map<std::string, Peer> peers_;  // by client endpoint
  std::vector<protocol::ResourcesReply> peer_resources_;
  std::string notice_;
  bool polled_;
  PolledCounts polled_counts_;
};

}  // namespace desaster::top
