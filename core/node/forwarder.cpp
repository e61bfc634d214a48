#include "core/node/forwarder.hpp"

#include "transport/protocol/envelope.hpp"

namespace desaster {

namespace {

const protocol::EnvelopeNames kRequestNames{"request", "type", "this node"};
const protocol::EnvelopeNames kReplyNames{"reply", "status", "the leader"};

}  // namespace

bool Forwarder::forward(const std::string& leader, const Peer& client, std::string_view frame) {
  if (leader.empty() || !links_.linked(leader)) return false;
  const std::uint64_t id = next_id_++;
  std::uint64_t client_id = 0;
  Result<std::string> rewritten = protocol::with_envelope_id(frame, id, kRequestNames, &client_id);
  if (!rewritten.ok()) return false;
  if (!links_.send_frame(leader, *rewritten)) return false;
  waiting_.emplace(id, Waiting{client, client_id, leader});
  ++forwarded_;
  return true;
}

void Forwarder::on_reply(const std::string& from, std::string_view frame) {
  std::uint64_t id = 0;
  // Rewritten to id 0 only to learn the id; the real id goes in below.
  Result<std::string> probe = protocol::with_envelope_id(frame, 0, kReplyNames, &id);
  if (!probe.ok()) {
    log_.warn("dropped a reply from " + from.substr(0, 8) + ": " + probe.status().message);
    return;
  }
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return;  // answered already (the leader changed meanwhile)
  Waiting waiting = std::move(it->second);
  waiting_.erase(it);
  Result<std::string> back =
      protocol::with_envelope_id(frame, waiting.client_id, kReplyNames, nullptr);
  if (back.ok()) waiting.client.send(std::move(*back));
}

void Forwarder::fail_all(const Status& status) {
  std::unordered_map<std::uint64_t, Waiting> waiting;
  waiting.swap(waiting_);
  for (auto& [id, w] : waiting) w.client.reply(w.client_id, status, protocol::kEmptyMap);
}

}  // namespace desaster
