// ClientApi's handlers of the state feed's catch-up requests: a subscriber
// takes a snapshot, then fills gaps in what it heard from the ring of recent
// frames (FeedPublisher).
#include "core/node/client_api.hpp"

namespace desaster {

void ClientApi::feed_snapshot(const Peer& peer, std::uint64_t id,
                              const protocol::FeedSnapshot& request) {
  if (feed_ == nullptr) {
    peer.reply(id, Status::error(ErrorCode::unavailable, "this node publishes no state feed"),
               protocol::kEmptyMap);
    return;
  }
  Result<protocol::FeedSnapshotReply> reply = feed_->snapshot(request);
  if (!reply.ok()) {
    peer.reply(id, reply.status(), protocol::kEmptyMap);
    return;
  }
  peer.reply(id, Status::success(), protocol::encode_body(*reply));
}

void ClientApi::feed_ops(const Peer& peer, std::uint64_t id, const protocol::FeedOps& request) {
  if (feed_ == nullptr) {
    peer.reply(id, Status::error(ErrorCode::unavailable, "this node publishes no state feed"),
               protocol::kEmptyMap);
    return;
  }
  Result<protocol::FeedOpsReply> reply = feed_->ops(request.from, request.to);
  if (!reply.ok()) {
    peer.reply(id, reply.status(), protocol::kEmptyMap);
    return;
  }
  peer.reply(id, Status::success(), protocol::encode_body(*reply));
}

}  // namespace desaster
