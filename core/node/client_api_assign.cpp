// The "assign" request: worker assignment as ops (attach, detach, pause and
// resume a pool, drain and undrain a node, pin and unpin jobs) and the list
// of what the state holds. Nodes named in a request are resolved here to
// full ids, so the ops carry exactly what the planner compares.
#include <unistd.h>

#include <set>

#include "core/node/client_api.hpp"
#include "transport/protocol/assign_replies.hpp"

namespace desaster {

namespace {

constexpr std::size_t kMinNodePrefix = 4;

bool names(const std::string& id, const std::string& name) {
  return id == name || (name.size() >= kMinNodePrefix && id.compare(0, name.size(), name) == 0);
}

std::string host_name() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) return {};
  return host;
}

}  // namespace

std::string ClientApi::resolve_node(const std::string& name) const {
  if (name.empty()) return name;
  if (names(info_.node_id, name) || name == host_name()) return info_.node_id;
  if (nodes_lister_) {
    for (const protocol::NodeSummary& node : nodes_lister_().nodes) {
      if (names(node.node, name)) return node.node;
    }
  }
  return name;
}

void ClientApi::assign_command(const Peer& peer, std::uint64_t id,
                               protocol::AssignCommand& command) {
  using protocol::AssignAction;
  if (command.action == AssignAction::list) {
    assign_list(peer, id);
    return;
  }
  if (refuse_while_draining(peer, id)) return;
  const std::string node = resolve_node(command.node);
  Op op;
  bool per_job = false;
  switch (command.action) {
    case AssignAction::attach:
      op = PoolAttachOp{command.pool, command.queue, command.weight, node};
      break;
    case AssignAction::detach:
      op = PoolDetachOp{command.pool, command.queue, node};
      break;
    case AssignAction::pause:
    case AssignAction::resume:
      op = PoolPauseOp{command.pool, node, command.action == AssignAction::pause};
      break;
    case AssignAction::drain:
    case AssignAction::undrain:
      op = NodeDrainOp{node.empty() ? info_.node_id : node, command.action == AssignAction::drain};
      break;
    case AssignAction::pin:
      op = PinOp{std::move(command.ids), node, command.pool};
      per_job = true;
      break;
    case AssignAction::unpin:
      op = PinOp{std::move(command.ids), {}, {}};
      per_job = true;
      break;
    case AssignAction::list:
      return;
  }
  if (per_job) {
    ids_op(peer, id, std::move(op));
    return;
  }
  const NodeDrainOp* drain = std::get_if<NodeDrainOp>(&op);
  std::string drained = drain ? drain->node : std::string();
  proposer_.propose(std::move(op),
                    [peer, id, drained](const Status& status, const ApplyResult& result) {
                      Status answer = status;
                      if (answer.ok() && !result.statuses.empty()) answer = result.statuses.front();
                      if (!answer.ok() || drained.empty()) {
                        peer.reply(id, answer, protocol::kEmptyMap);
                        return;
                      }
                      peer.reply(id, answer, protocol::encode_body(protocol::DrainReply{drained}));
                    });
}

void ClientApi::assign_list(const Peer& peer, std::uint64_t id) {
  const Assignments& a = state_.assignments();
  protocol::AssignmentsReply reply;
  std::vector<std::string> pools{std::string(kShellPool)};
  for (const PoolSpec& spec : state_.pools()) pools.push_back(spec.name);
  for (const std::string& pool : pools) {
    // Cluster-wide first, then every node with entries of its own.
    std::set<std::string> nodes{""};
    for (const auto& [place, queues] : a.attached)
      if (place.first == pool) nodes.insert(place.second);
    for (const PoolPlace& place : a.paused)
      if (place.first == pool) nodes.insert(place.second);
    for (const std::string& node : nodes) {
      protocol::PoolAssignmentSummary summary;
      summary.pool = pool;
      summary.node = node;
      summary.queues = state_.pool_queues(pool, node).value_or(std::vector<PoolQueue>{});
      summary.is_default = !a.attached_queues(pool, node).has_value();
      summary.paused = a.pool_paused(pool, node);
      reply.pools.push_back(std::move(summary));
    }
  }
  reply.draining.assign(a.draining.begin(), a.draining.end());
  peer.reply(id, Status::success(), protocol::encode_body(reply));
}

}  // namespace desaster
