// `desasterctl nodes`: this node, the peers its beacons heard and the Raft
// members, each with its role, lag, running jobs and free slots.
#include "core/node/node_impl.hpp"

namespace desaster {

protocol::NodesReply Node::Impl::list_nodes() const {
  protocol::NodesReply reply;
  reply.mode = options.standalone ? "standalone" : "clustered";
  std::map<std::string, MemberStatus> members;
  if (raft) {
    for (MemberStatus& m : raft->members()) members.emplace(m.node_id, std::move(m));
  }
  auto lag_of = [&](const std::string& id) -> std::optional<std::uint64_t> {
    auto it = members.find(id);
    if (it == members.end() || !it->second.known_match) return std::nullopt;
    const std::uint64_t last = raft->last_index();
    return last > it->second.match ? last - it->second.match : 0;
  };
  protocol::NodeSummary self;
  self.node = node_id;
  self.address = options.bind_address;
  self.port = static_cast<std::uint16_t>(options.port + 2);
  // A standalone node is a one-voter cluster: it always leads.
  self.role = "leader";
  if (raft) {
    auto it = members.find(node_id);
    self.role = it != members.end() ? it->second.role : "joining";
  }
  self.self = true;
  self.term = proposer->term();
  self.index = state.applied_index();
  self.commit = raft ? raft->commit() : state.applied_index();
  self.lag = raft ? lag_of(node_id) : std::optional<std::uint64_t>(0);
  // Running jobs per node from the replicated state; free slots from the
  // leader's dispatcher (it sees every node's workers) or, on a follower,
  // from its own relay.
  std::map<std::string, std::uint32_t> running_by_node;
  for (JobId id : state.running_jobs()) {
    if (const Job* job = state.find(id)) ++running_by_node[job->node];
  }
  const std::map<std::string, NodeSlots> slots =
      leading() ? dispatcher->slots_by_node() : std::map<std::string, NodeSlots>{};
  auto free_of = [&](const std::string& id) -> std::uint32_t {
    auto it = slots.find(id);
    return it == slots.end() ? 0 : it->second.free;
  };
  self.running = raft ? running_by_node[node_id]
                      : static_cast<std::uint32_t>(
                            state.counts().by_state[static_cast<int>(JobState::running)]);
  self.free_slots = !raft       ? static_cast<std::uint32_t>(dispatcher->stats().free_slots)
                    : leading() ? free_of(node_id)
                                : relay->stats().free_slots;
  self.draining = state.assignments().node_draining(node_id);
  reply.nodes.push_back(std::move(self));
  std::set<std::string> listed{node_id};
  if (discovery) {
    for (const DiscoveredPeer& peer : discovery->peers()) {
      protocol::NodeSummary node;
      node.node = peer.node_id;
      node.address = peer.address;
      node.port = peer.peer_port;
      auto it = members.find(peer.node_id);
      node.role = it != members.end() ? it->second.role : "discovered";
      node.last_seen_ms = peer.last_seen_ms;
      node.draining = state.assignments().node_draining(peer.node_id);
      node.lag = lag_of(peer.node_id);
      node.running = running_by_node[peer.node_id];
      node.free_slots = free_of(peer.node_id);
      listed.insert(peer.node_id);
      reply.nodes.push_back(std::move(node));
    }
    reply.beacons_dropped = discovery->dropped();
  }
  // Members no beacon was heard from lately (gone, or not yet heard).
  for (const auto& [id, member] : members) {
    if (listed.count(id)) continue;
    protocol::NodeSummary node;
    node.node = id;
    node.role = member.role;
    node.lag = lag_of(id);
    node.running = running_by_node[id];
    node.free_slots = free_of(id);
    reply.nodes.push_back(std::move(node));
  }
  return reply;
}

}  // namespace desaster
