// "force_recovery": handed to the node's Raft (raft_force_recovery.cpp);
// every attempt is logged, refused or not, since it is an operator
// overriding the cluster's safety. "transfer_leadership": handed to the
// node's LeadershipHandoff, answered when the transfer ends.
#include "core/node/client_api.hpp"
#include "transport/protocol/transfer_wire.hpp"

namespace desaster {

void ClientApi::force_recovery(const Peer& peer, std::uint64_t id,
                               const protocol::ForceRecovery& request) {
  if (!force_recovery_handler_) {
    peer.reply(id,
               Status::error(ErrorCode::conflict,
                             "this node is standalone (-s): it is a one-voter cluster already"),
               protocol::kEmptyMap);
    return;
  }
  Result<protocol::ForceRecoveryReply> done = force_recovery_handler_(request);
  if (!done.ok()) {
    log_.warn("force-recovery asked by a client was refused: " + done.status().message);
    peer.reply(id, done.status(), protocol::kEmptyMap);
    return;
  }
  peer.reply(id, Status::success(), protocol::encode_body(done.value()));
}

void ClientApi::transfer_leadership(const Peer& peer, std::uint64_t id,
                                    const protocol::TransferLeadership& request) {
  if (!transfer_handler_) {
    peer.reply(id,
               Status::error(ErrorCode::bad_request,
                             "this node is standalone (-s): there is no other voter to lead"),
               protocol::kEmptyMap);
    return;
  }
  transfer_handler_(request, [peer, id](const Result<protocol::TransferLeadershipReply>& done) {
    if (!done.ok()) {
      peer.reply(id, done.status(), protocol::kEmptyMap);
    } else {
      peer.reply(id, Status::success(), protocol::encode_body(done.value()));
    }
  });
}

}  // namespace desaster
