// ClientApi's handlers of "resources" (answered by the node's monitor) and
// "blacklist" (read from the state, or a BlacklistClearOp / a
// QueueConfigureOp with the new window).
#include "core/node/client_api.hpp"

namespace desaster {

namespace {

protocol::BlacklistReply to_reply(const std::vector<QueueBlacklist>& queues) {
  protocol::BlacklistReply reply;
  reply.queues.reserve(queues.size());
  for (const QueueBlacklist& q : queues) {
    protocol::BlacklistQueue out{q.queue, q.window_ms, q.rejections, {}};
    out.entries.reserve(q.entries.size());
    for (const BlacklistEntry& e : q.entries) {
      out.entries.push_back({e.identity, e.job, e.seen_at, e.expires_at, e.processed});
    }
    reply.queues.push_back(std::move(out));
  }
  return reply;
}

}  // namespace

void ClientApi::resources(const Peer& peer, std::uint64_t id, const protocol::Resources& request) {
  if (!resources_lister_) {
    peer.reply(id, Status::error(ErrorCode::unavailable, "this node does not sample resources"),
               protocol::kEmptyMap);
    return;
  }
  peer.reply(id, Status::success(), protocol::encode_body(resources_lister_(request)));
}

void ClientApi::blacklist(const Peer& peer, std::uint64_t id,
                          const protocol::BlacklistCommand& command) {
  if (!command.queue.empty()) {
    if (std::string why = check_queue_name(command.queue); !why.empty()) {
      peer.reply(id, Status::error(ErrorCode::bad_request, why), protocol::kEmptyMap);
      return;
    }
  }
  Op op;
  switch (command.action) {
    case protocol::BlacklistAction::list:
      if (!command.queue.empty() && !state_.queue(command.queue)) {
        peer.reply(id, Status::error(ErrorCode::not_found, "no queue '" + command.queue + "'"),
                   protocol::kEmptyMap);
        return;
      }
      peer.reply(id, Status::success(),
                 protocol::encode_body(
                     to_reply(state_.blacklist(command.queue, command.search, command.limit))));
      return;
    case protocol::BlacklistAction::clear:
      op = BlacklistClearOp{command.queue, command.identity};
      break;
    case protocol::BlacklistAction::window: {
      // The window is queue configuration: the rest of it stays as it is.
      std::optional<QueueInfo> existing = state_.queue(command.queue);
      if (!existing) {
        peer.reply(id, Status::error(ErrorCode::not_found, "no queue '" + command.queue + "'"),
                   protocol::kEmptyMap);
        return;
      }
      QueueConfig config = existing->config;
      config.dedup_window_ms = command.window_ms;
      op = QueueConfigureOp{command.queue, config};
      break;
    }
  }
  if (refuse_while_draining(peer, id)) return;
  proposer_.propose(std::move(op), [peer, id](const Status& status, const ApplyResult& result) {
    Status answer = status;
    if (answer.ok() && !result.statuses.empty()) answer = result.statuses.front();
    peer.reply(id, answer, protocol::kEmptyMap);
  });
}

}  // namespace desaster
