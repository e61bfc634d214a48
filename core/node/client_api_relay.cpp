// The leader's side of the worker relay: frames of workers on other nodes
// (and of its own, through its own relay) are handled like a local
// worker's, answered through the relay they came by.
#include <type_traits>
#include <variant>

#include "core/node/client_api.hpp"

namespace desaster {

bool is_worker_request(const protocol::RequestBody& body) {
  return std::holds_alternative<protocol::WorkerHello>(body) ||
         std::holds_alternative<protocol::Credit>(body) ||
         std::holds_alternative<protocol::Report>(body) ||
         std::holds_alternative<protocol::Reports>(body) ||
         std::holds_alternative<protocol::Heartbeat>(body);
}

void ClientApi::on_worker_frame(const Peer& peer, std::string_view frame) {
  std::uint64_t id_for_error = 0;
  Result<protocol::Request> request = protocol::decode_request(frame, &id_for_error);
  if (!request.ok()) {
    ++bad_requests_;
    log_.warn("bad relayed request from node " + peer.via_node.substr(0, 8) + ": " +
              request.status().message);
    peer.reply(id_for_error, request.status(), protocol::kEmptyMap);
    return;
  }
  if (!is_worker_request(request->body)) {
    ++bad_requests_;
    log_.warn("dropped a relayed request from node " + peer.via_node.substr(0, 8) +
              " that is not a worker's");
    peer.reply(request->id,
               Status::error(ErrorCode::bad_request, "only worker messages may be relayed"),
               protocol::kEmptyMap);
    return;
  }
  handle(peer, *request);
}

}  // namespace desaster
