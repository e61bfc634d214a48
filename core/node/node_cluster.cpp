// A clustered node's wiring: beacons and peer links, Raft, the forwarder and
// the held writes, the relay of followers' workers, and what a change of role
// undoes. A standalone node never reaches this file's code.
#include "core/node/node_impl.hpp"

namespace desaster {

// A clustered node announces itself by beacon, links to the peers it hears,
// and runs Raft over those links; writes reaching a follower go to the
// leader (or wait for one), and its workers reach the leader's dispatcher.
Status Node::Impl::start_discovery() {
  DiscoveryOptions discovery_options;
  discovery_options.bind_address = options.bind_address;
  discovery_options.broadcast_address = options.broadcast_address;
  discovery_options.beacon_port = options.port;
  discovery_options.peer_port = static_cast<std::uint16_t>(options.port + 2);
  discovery_options.node_id = node_id;
  discovery_options.flags = [this] {
    return static_cast<std::uint8_t>(raft && raft->in_cluster() ? kBeaconFlagInCluster : 0);
  };
  links = std::make_unique<PeerLinks>(&loop, context, *keys,
                                      [this](const std::string& from, std::string_view frame) {
                                        if (forwarder) forwarder->on_reply(from, frame);
                                      });
  forwarder = std::make_unique<Forwarder>(*links, log, options.leaderless_hold_ms);
  // Every worker of a clustered node, the leader's own included, reaches
  // the leader's dispatcher through this node's relay.
  relay = std::make_unique<WorkerRelay>(
      node_id, log,
      [this](const std::string& leader, const std::string& worker, std::string_view frame) {
        return links->send_relay(leader, node_id, worker, frame);
      },
      [this](const Peer& worker, std::string_view frame) {
        if (leading()) api->on_worker_frame(worker, frame);
      });
  api->set_worker_relay(relay.get());
  links->set_relay_handler([this](const std::string& from, const RelayFrame& message) {
    // Only the node this node follows speaks for its workers' leases.
    if (message.node != node_id || raft->leader() != from) return;
    relay->deliver(std::string(message.worker), std::string(message.frame));
  });
  held_writes = std::make_unique<HeldWrites>(options.leaderless_hold_ms);
  api->set_write_forwarder([this](const Peer& peer, std::string_view frame) {
    if (!raft) return false;
    if (writes_have_a_leader())
      return !raft->leading() && forwarder->forward(raft->leader(), peer, frame);
    return raft->in_cluster() && !shutting_down &&
           held_writes->hold(peer, frame, static_cast<TimeMs>(uv_now(&loop)));
  });
  discovery = std::make_unique<Discovery>(
      &loop, std::move(discovery_options), *keys, log,
      [this](const DiscoveredPeer& peer, bool found) {
        if (found) {
          links->connect(peer.node_id,
                         "tcp://" + peer.address + ":" + std::to_string(peer.peer_port));
        } else {
          links->disconnect(peer.node_id);
        }
      });
  if (Status s = discovery->start(); !s.ok()) {
    return Status::error(s.code, "cannot start beacons on udp " + options.broadcast_address + ":" +
                                     std::to_string(options.port) + ": " + s.message);
  }
  log.info(
      "beacons to " + options.broadcast_address + ":" + std::to_string(options.port) + " from " +
      options.bind_address +
      (group_key == kDefaultGroupKey ? " with the default group key" : " with this group's key"));
  api->set_force_recovery(
      [this](const protocol::ForceRecovery& request) -> Result<protocol::ForceRecoveryReply> {
        Result<RaftDriver::ForcedRecovery> done = raft->force_recovery(request.accept_risk);
        if (!done.ok()) return done.status();
        return protocol::ForceRecoveryReply{node_id, done->term, done->index, done->dropped};
      });
  handoff = std::make_unique<LeadershipHandoff>(*raft);
  api->set_transfer_handler(
      [this](const protocol::TransferLeadership& request, ClientApi::TransferReply reply) {
        handoff->begin(request.node, std::move(reply));
      });
  raft->start();
  return {};
}

void Node::Impl::close_discovery(std::function<void()> done) {
  if (!discovery) {
    done();
    return;
  }
  // After a hot upgrade the node stays: no goodbye, or peers would drop it
  // (and its successor) until its next beacon.
  discovery->close(
      [this, done = std::move(done)]() mutable {
        if (links) {
          links->close(std::move(done));
        } else {
          done();
        }
      },
      !handed_over);
}

void Node::Impl::start_raft(const Recovery& recovery) {
  RaftDriverOptions raft_options;
  raft_options.node_id = node_id;
  raft_options.autopilot.voter_timeout_ms = options.voter_timeout_ms;
  raft_options.snapshot_every_bytes = options.snapshot_bytes;
  raft = std::make_unique<RaftDriver>(
      &loop, *journal, state, log, wall_clock_ms, std::move(raft_options), recovery,
      [this](const std::string& peer, std::string_view message) {
        return links && links->send_raft(peer, message);
      },
      [this] { return discovery ? discovery->peers() : std::vector<DiscoveredPeer>{}; });
}

bool Node::Impl::writes_have_a_leader() const {
  return raft->leading() ? raft->transferee().empty() && !handoff->holds_writes()
                         : !raft->leader().empty() && links->linked(raft->leader());
}

void Node::Impl::pass_held_writes() {
  if (writes_have_a_leader()) {
    for (const HeldWrites::Held& write : held_writes->take_all())
      api->resume_write(write.client, write.frame);
    return;
  }
  refuse_held_writes(
      held_writes->take_expired(static_cast<TimeMs>(uv_now(&loop))),
      Status::error(ErrorCode::unavailable,
                    raft->leading() ? "this node is handing leadership over and no other node "
                                      "took it within --leaderless-hold; try again"
                                    : raft->not_leader_message()));
}

void Node::Impl::refuse_held_writes(const std::vector<HeldWrites::Held>& writes,
                                    const Status& status) {
  for (const HeldWrites::Held& write : writes) api->refuse_write(write.client, write.frame, status);
}

// The node's ROUTER on -p + 2 carries Raft from peers beside its workers.
void Node::Impl::on_dispatch_message(std::vector<zmq::message_t>& parts) {
  if (parts.size() >= 2 && parts[1].to_string_view() == kRelayFrameTag) {
    on_relay_message(parts);
    return;
  }
  if (std::optional<std::string_view> message = raft_payload(parts)) {
    // Clients hold the group key too, but present the client keypair: only
    // a connection the ZAP handler admitted as a node may speak Raft.
    const char* user = parts.back().gets("User-Id");
    if (user == nullptr || std::string_view(user) != to_string(CurveIdentity::node)) {
      refusals.note("a Raft message on a client's connection", "a client", wall_clock_ms());
      return;
    }
    if (raft) raft->on_message(*message);
    return;
  }
  api->on_message(dispatch_watcher.get(), parts);
}

// A follower's worker frame: only a node may relay, and only the leader
// takes it (the follower registers its workers again once it learns who
// leads).
void Node::Impl::on_relay_message(std::vector<zmq::message_t>& parts) {
  const char* user = parts.back().gets("User-Id");
  if (user == nullptr || std::string_view(user) != to_string(CurveIdentity::node)) {
    refusals.note("a relayed worker message on a client's connection", "a client", wall_clock_ms());
    return;
  }
  std::vector<std::string_view> views;
  for (std::size_t i = 1; i < parts.size(); ++i) views.push_back(parts[i].to_string_view());
  Result<RelayFrame> relayed = decode_relay_frame(views);
  if (!relayed.ok()) {
    log.warn("dropped a relay message: " + relayed.status().message);
    return;
  }
  if (!leading()) return;
  api->on_worker_frame(Peer{dispatch_watcher.get(), parts[0].to_string(),
                            std::string(relayed->node), std::string(relayed->worker), nullptr},
                       relayed->frame);
}

void Node::Impl::on_role(raft::Role role, std::uint64_t term) {
  proposer->set_term(term);
  if (role != raft::Role::leader) dispatcher->forget_workers();
  if (forwarder) forwarder->leader_changed(static_cast<TimeMs>(uv_now(&loop)));
  if (role == raft::Role::leader) ids->observe(state.max_job_id());
}

}  // namespace desaster
