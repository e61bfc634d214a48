#include "core/node/forwarder.hpp"

#include <random>
#include <vector>

#include "transport/protocol/envelope.hpp"

namespace desaster {

namespace {

const protocol::EnvelopeNames kRequestNames{"request", "type", "this node"};
const protocol::EnvelopeNames kReplyNames{"reply", "status", "the leader"};

}  // namespace

Forwarder::Forwarder(PeerLinks& links, Logger& log, TimeMs patience)
    : links_(links), log_(log), patience_(patience) {
  std::random_device random;
  // 62 random bits: far from wrapping, and unlike any earlier process's ids.
  next_id_ = ((std::uint64_t{random()} << 32 | random()) >> 2) + 1;
}

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

void Forwarder::leader_changed(TimeMs now) {
  if (patience_ <= 0) {
    fail_all(Status::error(
        ErrorCode::unavailable,
        "the leader changed while the request was forwarded to it; it may have been applied"));
    return;
  }
  bool any = false;
  for (auto& [id, w] : waiting_) {
    if (w.deadline == 0) w.deadline = now + patience_;
    any = true;
  }
  // Deadlines set earlier are no later than this one.
  if (any && first_deadline_ == 0) first_deadline_ = now + patience_;
}

void Forwarder::expire(TimeMs now) {
  // Every loop turn calls this; only a turn past the first deadline walks.
  if (first_deadline_ == 0 || now < first_deadline_) return;
  std::vector<Waiting> expired;
  first_deadline_ = 0;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    const TimeMs deadline = it->second.deadline;
    if (deadline != 0 && now >= deadline) {
      expired.push_back(std::move(it->second));
      it = waiting_.erase(it);
      continue;
    }
    if (deadline != 0 && (first_deadline_ == 0 || deadline < first_deadline_))
      first_deadline_ = deadline;
    ++it;
  }
  for (Waiting& w : expired) {
    w.client.reply(w.client_id,
                   Status::error(ErrorCode::unavailable,
                                 "the leader changed while the request was forwarded to it and "
                                 "it did not answer within --leaderless-hold; it may have been "
                                 "applied"),
                   protocol::kEmptyMap);
  }
}

}  // namespace desaster
