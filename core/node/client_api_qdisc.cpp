// The "qdisc" request (show or set a queue's discipline) and the ETA of
// jobs in get, list and wait replies.
#include <optional>

#include "core/node/client_api.hpp"
#include "transport/protocol/qdisc_wire.hpp"

namespace desaster {

namespace {

protocol::QdiscReply describe(const State& state, const Dispatcher& dispatcher,
                              const std::string& name, TimeMs now) {
  protocol::QdiscReply reply;
  reply.queue = name;
  const Qdisc* qdisc = state.qdisc(name);
  std::optional<QueueInfo> info = state.queue(name);
  if (qdisc == nullptr || !info) return reply;
  reply.config = qdisc->config();
  reply.jobs = qdisc->size();
  reply.running = info->counts.by_state[static_cast<std::size_t>(JobState::running)];
  reply.workers = dispatcher.slots_for(name);
  if (qdisc->size() > 0) reply.next_eligible = qdisc->next_eligible(now);
  reply.accounting = qdisc->encode_accounting();
  return reply;
}

}  // namespace

std::optional<protocol::JobEta> ClientApi::eta_of(const Job& job, TimeMs now) const {
  if (job.state != JobState::queued && job.state != JobState::scheduled &&
      job.state != JobState::failed) {
    return std::nullopt;
  }
  std::optional<Eta> eta = state_.eta(job.id, now, dispatcher_.slots_for(job.queue));
  if (!eta) return std::nullopt;
  return protocol::JobEta{eta->start, eta->finish};
}

void ClientApi::qdisc_command(const Peer& peer, std::uint64_t id, protocol::QdiscCommand& command) {
  if (std::string why = check_queue_name(command.queue); !why.empty()) {
    peer.reply(id, Status::error(ErrorCode::bad_request, why), protocol::kEmptyMap);
    return;
  }
  std::optional<QueueInfo> existing = state_.queue(command.queue);
  if (command.action == protocol::QdiscAction::show) {
    if (!existing) {
      peer.reply(id, Status::error(ErrorCode::not_found, "no queue '" + command.queue + "'"),
                 protocol::kEmptyMap);
      return;
    }
    peer.reply(id, Status::success(),
               protocol::encode_body(describe(state_, dispatcher_, command.queue, clock_())));
    return;
  }
  if (refuse_while_draining(peer, id)) return;
  // Checked here for a clear answer; the state checks again as it applies.
  if (Status valid = validate(*command.config); !valid.ok()) {
    peer.reply(id, valid, protocol::kEmptyMap);
    return;
  }
  // Setting the discipline replaces the queue's settings with the current
  // ones plus the new discipline; the queue is created if missing, like a
  // first enqueue would.
  QueueConfig config = existing ? existing->config : QueueConfig{};
  config.qdisc = *command.config;
  std::string queue = command.queue;
  proposer_.propose(QueueConfigureOp{queue, config},
                    [this, peer, id, queue](const Status& status, const ApplyResult& result) {
                      Status answer = status;
                      if (answer.ok() && !result.statuses.empty()) answer = result.statuses.front();
                      if (!answer.ok()) {
                        peer.reply(id, answer, protocol::kEmptyMap);
                        return;
                      }
                      peer.reply(
                          id, Status::success(),
                          protocol::encode_body(describe(state_, dispatcher_, queue, clock_())));
                    });
}

}  // namespace desaster
