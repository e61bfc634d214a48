#include "core/cluster/autopilot.hpp"

#include <algorithm>

namespace desaster::raft {

bool should_bootstrap(const BootstrapInput& in, const BootstrapConfig& config) {
  if (!in.fresh || in.heard_leader) return false;
  if (in.waited_ms < config.discovery_ms) return false;
  for (const auto& [id, in_cluster] : in.peers) {
    if (in_cluster || id < in.self) return false;
  }
  return true;
}

namespace {

struct Health {
  const AutopilotInput& in;
  const AutopilotConfig& config;

  TimeMs silence(const NodeId& id) const {
    if (id == in.self) return 0;
    auto it = in.last_heard.find(id);
    if (it == in.last_heard.end()) return in.now;  // never heard: silent since forever
    return in.now > it->second ? in.now - it->second : 0;
  }
  bool gone(const NodeId& id) const { return silence(id) > config.voter_timeout_ms; }
  bool live(const NodeId& id) const { return silence(id) <= config.live_ms; }
  bool caught_up(const NodeId& id) const {
    auto it = in.match.find(id);
    const std::uint64_t match = it == in.match.end() ? 0 : it->second;
    return match + config.caught_up_entries >= in.last_index;
  }
  bool promotable(const NodeId& id) const { return live(id) && caught_up(id); }
};

}  // namespace

std::optional<ConfChange> next_conf_change(const AutopilotInput& in,
                                           const AutopilotConfig& config) {
  const Health health{in, config};
  const ConfState& conf = in.conf;
  std::optional<NodeId> ready_learner;  // the lowest id, so every leader picks alike
  std::size_t ready_learners = 0;
  for (const NodeId& id : conf.learners) {
    if (!health.promotable(id)) continue;
    if (!ready_learner) ready_learner = id;
    ++ready_learners;
  }

  // 1. Replace a voter gone for longer than the timeout.
  std::optional<NodeId> gone_voter;
  std::size_t live_voters = 0;
  for (const NodeId& id : conf.voters) {
    if (health.gone(id)) {
      if (!gone_voter) gone_voter = id;
    } else {
      ++live_voters;
    }
  }
  if (gone_voter) {
    if (conf.voters.size() % 2 == 0) return ConfChange{ConfChangeType::remove, *gone_voter};
    if (ready_learner) return ConfChange{ConfChangeType::promote, *ready_learner};
  }

  // 2. Peers found by beacon join as learners.
  for (const NodeId& id : in.discovered) {
    if (id != in.self && !conf.contains(id)) return ConfChange{ConfChangeType::add_learner, id};
  }

  // 3. Fill the voter places: the largest odd count the live members allow.
  std::size_t possible = std::min(config.max_voters, live_voters + ready_learners);
  if (possible % 2 == 0 && possible > 0) --possible;
  if (conf.voters.size() < possible && ready_learner) {
    return ConfChange{ConfChangeType::promote, *ready_learner};
  }
  // An even count left over (a voter removed, nobody to fill its place yet)
  // grows to the next odd one as soon as a learner is ready.
  if (conf.voters.size() % 2 == 0 && conf.voters.size() < config.max_voters && ready_learner) {
    return ConfChange{ConfChangeType::promote, *ready_learner};
  }

  // 4. Forget learners gone for good.
  for (const NodeId& id : conf.learners) {
    if (health.gone(id)) return ConfChange{ConfChangeType::remove, id};
  }
  return std::nullopt;
}

}  // namespace desaster::raft

namespace desaster::raft {

ConfState conf_after(ConfState conf, const std::vector<LogEntry>& entries) {
  for (const LogEntry& e : entries) {
    if (e.kind != EntryKind::config_change) continue;
    Result<ConfChange> change = decode_conf_change(e.op);
    if (!change.ok()) continue;
    switch (change->type) {
      case ConfChangeType::add_learner:
        if (!conf.voters.count(change->node)) conf.learners.insert(change->node);
        break;
      case ConfChangeType::promote:
        conf.learners.erase(change->node);
        conf.voters.insert(change->node);
        break;
      case ConfChangeType::remove:
        conf.learners.erase(change->node);
        conf.voters.erase(change->node);
        break;
      case ConfChangeType::sole_voter:
        conf = ConfState{{change->node}, {}};
        break;
    }
  }
  return conf;
}

}  // namespace desaster::raft
