#include "core/node/worker_relay.hpp"

#include <type_traits>
#include <variant>

#include "transport/protocol/replies.hpp"

namespace desaster {

WorkerRelay::WorkerRelay(std::string node_id, Logger& log, ToLeader to_leader, ToSelf to_self)
    : node_id_(std::move(node_id)),
      log_(log),
      to_leader_(std::move(to_leader)),
      to_self_(std::move(to_self)) {}

void WorkerRelay::on_worker_request(const Peer& worker, std::string_view frame,
                                    const protocol::Request& request, TimeMs now) {
  auto known = keys_.find(worker);
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, protocol::WorkerHello>) {
          if (known != keys_.end()) {
            // Registered again: the leader drops the old key once it falls silent.
            unregistered_.erase(known->second);
            reregistering_.erase(known->second);
            book_.remove(known->second);
            workers_.erase(known->second);
            keys_.erase(known);
          }
          const std::string key = book_.add(body, now);
          workers_.emplace(key, worker);
          keys_.emplace(worker, key);
          // batch: this node takes "reports" (passed on to any leader).
          worker.reply(
              request.id, Status::success(),
              protocol::encode_body(protocol::WorkerReply{protocol::kWorkerHeartbeatMs, true}));
          register_worker(key);
        } else if constexpr (std::is_same_v<T, protocol::Credit> ||
                             std::is_same_v<T, protocol::Report> ||
                             std::is_same_v<T, protocol::Heartbeat>) {
          if (known == keys_.end()) {
            if constexpr (std::is_same_v<T, protocol::Report>) {
              // Forgotten meanwhile, but the run happened: the leader's state
              // decides whether it ends the job or counts as a duplicate run,
              // so it is passed on under no key (the answer stops there).
              forward(std::string(kUnknownWorkerKey), frame);
              worker.reply(request.id, Status::success(), protocol::kEmptyMap);
            }
            return;
          }
          const std::string& key = known->second;
          if constexpr (std::is_same_v<T, protocol::Credit>) {
            book_.on_credit(key, body.slots, body.withdraw, now);
            if (holding_) return;  // the leader keeps seeing no free slot
          }
          if constexpr (std::is_same_v<T, protocol::Report>) book_.on_report(key, body.id, now);
          if constexpr (std::is_same_v<T, protocol::Heartbeat>) book_.on_heartbeat(key, now);
          forward(key, frame);
          // A report gives its slot back at the leader: take it away again.
          if constexpr (std::is_same_v<T, protocol::Report>) {
            if (holding_) send_credit(key, 0, 1);
          }
        } else if constexpr (std::is_same_v<T, protocol::Reports>) {
          if (known == keys_.end()) {
            // As a single report of a forgotten worker, above.
            forward_reports(std::string(kUnknownWorkerKey), frame, request.id, body);
            worker.reply(request.id, Status::success(), protocol::kEmptyMap);
            return;
          }
          for (const protocol::Report& report : body.reports)
            book_.on_report(known->second, report.id, now);
          forward_reports(known->second, frame, request.id, body);
          // Each report gives its slot back at the leader: take them away again.
          if (holding_)
            send_credit(known->second, 0, static_cast<std::uint32_t>(body.reports.size()));
        }
      },
      request.body);
}

bool WorkerRelay::forward(const std::string& key, std::string_view frame) {
  if (leader_.empty()) {
    // Nobody to tell: a report lost here means the job runs again, which
    // the next leader's LeaderStartOp arranges anyway.
    ++stats_.dropped;
    return false;
  }
  if (leader_ == node_id_) {
    to_self_(Peer{nullptr, {}, node_id_, key, this}, frame);
  } else if (!to_leader_(leader_, key, frame)) {
    ++stats_.dropped;
    return false;
  }
  ++stats_.relayed;
  return true;
}

// A registration that could not go (no link to the leader yet) is tried
// again on the next turn (follow()).
void WorkerRelay::register_worker(const std::string& key) {
  if (leader_.empty()) return;
  std::optional<protocol::WorkerHello> hello = book_.registration(key);
  if (!hello) return;
  if (holding_) hello->slots = 0;
  ++stats_.registrations;
  if (forward(key,
              protocol::encode_request(protocol::Request{kRelayRequestId, std::move(*hello)}))) {
    unregistered_.erase(key);
  } else {
    unregistered_.insert(key);
  }
}

void WorkerRelay::set_holding(bool holding) {
  if (holding == holding_) return;
  holding_ = holding;
  for (const std::string& key : book_.keys()) {
    std::optional<protocol::WorkerHello> hello = book_.registration(key);
    if (!hello || hello->slots == 0) continue;
    if (holding) {
      send_credit(key, 0, hello->slots);
    } else {
      send_credit(key, hello->slots, 0);
    }
  }
}

void WorkerRelay::send_credit(const std::string& key, std::uint32_t slots, std::uint32_t withdraw) {
  protocol::Credit credit;
  credit.slots = slots;
  credit.withdraw = withdraw;
  // The relay's own request id: the leader's answer stops at the relay.
  forward(key, protocol::encode_request(protocol::Request{kRelayRequestId, credit}));
}

void WorkerRelay::deliver(const std::string& worker, std::string frame) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) return;  // forgotten meanwhile
  Result<protocol::Reply> reply = protocol::decode_reply(frame);
  if (!reply.ok()) {
    log_.warn("relay: dropped an undecodable frame from the leader: " + reply.status().message);
    return;
  }
  if (reply->id == kRelayRequestId) {
    reregistering_.erase(worker);
    if (!reply->status.ok()) {
      log_.warn("relay: the leader refused worker " + worker + ": " + reply->status.message);
    }
    return;
  }
  if (reply->status.code == ErrorCode::not_found &&
      reply->status.message == protocol::kUnregisteredWorker) {
    // The leader dropped this worker (silent too long: this node was paused
    // or cut off); register it again rather than leave it idle for good.
    if (reregistering_.insert(worker).second) {
      log_.info("relay: leader " + leader_.substr(0, 8) + " no longer knew worker " + worker +
                "; registering it again");
      register_worker(worker);
    }
    return;
  }
  if (reply->id == 0 && reply->type == protocol::kLeasePush) {
    protocol::LeasePush push;
    if (decode_body(reply->body, push).ok()) {
      book_.on_lease(worker, push.job.id, push.term, push.job.attempts);
    }
  }
  if (reply->id == 0 && reply->type == protocol::kLeasesPush) {
    protocol::LeasesPush push;
    if (decode_body(reply->body, push).ok()) {
      for (const protocol::SlimLease& lease : push.leases)
        book_.on_lease(worker, lease.id, push.term, lease.attempt);
    }
  }
  it->second.send(std::move(frame));
}

void WorkerRelay::follow(const std::string& leader, std::uint64_t term) {
  if (leader == leader_ && term == term_) {
    if (leader_.empty() || unregistered_.empty()) return;
    const std::set<std::string> retry = unregistered_;
    for (const std::string& key : retry) register_worker(key);
    return;
  }
  unregistered_.clear();
  reregistering_.clear();
  leader_ = leader;
  term_ = term;
  if (leader_.empty() || book_.size() == 0) return;
  log_.info(
      "relay: registering " + std::to_string(book_.size()) + " workers with " +
      (leader_ == node_id_ ? std::string("this node (leader)") : "leader " + leader_.substr(0, 8)) +
      " in term " + std::to_string(term_));
  for (const std::string& key : book_.keys()) register_worker(key);
}

void WorkerRelay::expire(TimeMs now) {
  for (const std::string& key : book_.expire(now, protocol::kWorkerTimeoutMs)) {
    auto it = workers_.find(key);
    if (it == workers_.end()) continue;
    keys_.erase(it->second);
    workers_.erase(it);
    unregistered_.erase(key);
    reregistering_.erase(key);
    log_.info("relay: worker " + key + " silent; forgotten");
  }
}

RelayStats WorkerRelay::stats() const {
  RelayStats s = stats_;
  s.workers = book_.size();
  s.free_slots = book_.free_slots();
  s.held_leases = book_.held_leases();
  return s;
}

}  // namespace desaster
