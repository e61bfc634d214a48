// A small synchronous cluster for the Raft unit tests: messages are
// delivered at once (unless a link is cut), Readies are persisted to an
// in-memory disk and applied in full each round. Unlike the simulation it
// has no randomness: each test sets up exactly the situation it names.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "core/cluster/raft.hpp"

namespace desaster::raft::sim {

struct HarnessNode {
  std::unique_ptr<Raft> raft;
  RaftStorage disk;
  std::vector<LogEntry> applied;  // ops only
  std::optional<Snapshot> installed;
  std::vector<Message> sent;  // everything it sent, for tests that inspect traffic
};

class Harness {
 public:
  // Nodes 1..voters are voters, the next `learners` learners; `extra`
  // nodes start with an empty configuration (to be added later).
  explicit Harness(int voters, int learners = 0, int extra = 0, RaftConfig base = {})
      : base_(base) {
    ConfState conf;
    const int total = voters + learners + extra;
    for (int i = 1; i <= total; ++i) {
      if (i <= voters) conf.voters.insert(id(i));
      if (i > voters && i <= voters + learners) conf.learners.insert(id(i));
    }
    for (int i = 1; i <= total; ++i) {
      HarnessNode& node = nodes_[id(i)];
      if (i <= voters + learners) node.disk.snapshot.meta.conf = conf;
      restart(i);
    }
  }

  static NodeId id(int i) { return NodeId::from_u64(static_cast<std::uint64_t>(i)); }
  Raft& raft(int i) { return *nodes_.at(id(i)).raft; }
  HarnessNode& node(int i) { return nodes_.at(id(i)); }

  // Drops the node's memory and starts it again from its disk.
  void restart(int i) {
    HarnessNode& node = nodes_.at(id(i));
    RaftConfig config = base_;
    config.id = id(i);
    node.raft = std::make_unique<Raft>(config, node.disk);
    node.applied.clear();
  }

  void cut(int a, int b) {
    cut_.insert({id(a), id(b)});
    cut_.insert({id(b), id(a)});
  }
  void isolate(int a) {
    for (auto& [other, node] : nodes_) {
      cut_.insert({id(a), other});
      cut_.insert({other, id(a)});
    }
  }
  void heal() { cut_.clear(); }

  // Handles one Ready of every node: persist, send, apply, advance.
  // Returns false when no node had anything to do.
  bool round() {
    bool busy = false;
    for (auto& [nid, node] : nodes_) {
      if (!node.raft->has_ready()) continue;
      busy = true;
      Ready r = node.raft->ready();
      if (r.snapshot) {
        node.disk.snapshot = *r.snapshot;
        node.disk.entries.clear();
        node.installed = r.snapshot;
      }
      if (!r.entries.empty()) {
        auto& disk = node.disk.entries;
        const std::uint64_t first = r.entries.front().index;
        while (!disk.empty() && disk.back().index >= first) disk.pop_back();
        disk.insert(disk.end(), r.entries.begin(), r.entries.end());
      }
      if (r.hard_state) node.disk.hard_state = *r.hard_state;
      for (const Message& m : r.messages) {
        node.sent.push_back(m);
        if (!cut_.count({m.from, m.to})) inbox_.push_back(m);
      }
      for (const LogEntry& e : r.committed) {
        if (e.kind == EntryKind::op) node.applied.push_back(e);
      }
      node.raft->advance(r);
    }
    std::vector<Message> inbox = std::move(inbox_);
    inbox_.clear();
    for (const Message& m : inbox) {
      auto it = nodes_.find(m.to);
      if (it != nodes_.end()) (void)it->second.raft->step(m);
    }
    return busy || !inbox.empty();
  }

  // Rounds until nothing moves (bounded: a bug must not hang the test).
  void settle(int max_rounds = 1000) {
    for (int i = 0; i < max_rounds && round(); ++i) {
    }
  }

  void tick(int times = 1) {
    for (int t = 0; t < times; ++t) {
      for (auto& [nid, node] : nodes_) node.raft->tick();
      settle();
    }
  }

  void elect(int i) {
    raft(i).campaign();
    settle();
  }

  // The leader of the highest term, or 0.
  int leader() const {
    int found = 0;
    std::uint64_t term = 0;
    for (const auto& [nid, node] : nodes_) {
      if (node.raft->role() == Role::leader && node.raft->term() >= term) {
        term = node.raft->term();
        found = static_cast<int>(nid.lo);
      }
    }
    return found;
  }

 private:
  RaftConfig base_;
  std::map<NodeId, HarnessNode> nodes_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  std::vector<Message> inbox_;
};

}  // namespace desaster::raft::sim
