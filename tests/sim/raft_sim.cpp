#include "tests/sim/raft_sim.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <unordered_set>

#include "core/cluster/message_codec.hpp"
#include "core/cluster/raft.hpp"
#include "core/cluster/split_mix.hpp"
#include "core/state/lease_planner.hpp"
#include "core/state/op_codec.hpp"
#include "core/state/state.hpp"
#include "tests/sim/sim_checker.hpp"

namespace desaster::raft::sim {

namespace {

constexpr TimeMs kT0 = 1'750'000'000'000;
constexpr TimeMs kStepMs = 10;
constexpr int kQuietSteps = 300;
constexpr std::uint32_t kWorkerSlots = 4;

// Per-mille chances of each fault in one step (or per message / Ready).
struct Faults {
  std::uint64_t drop = 0;
  std::uint64_t duplicate = 0;
  std::uint64_t max_delay = 1;  // steps; a random delay in [1, max] reorders
  std::uint64_t partition = 0;
  std::uint64_t heal = 0;
  std::uint64_t crash = 0;
  std::uint64_t crash_in_ready = 0;  // before the Ready is persisted: it is lost
  std::uint64_t restart = 0;
  std::uint64_t compact = 0;
  std::uint64_t skip_tick = 0;  // clocks that run slow
};

// What survives a crash.
struct Disk {
  HardState hard_state;
  Snapshot snapshot;
  std::vector<LogEntry> entries;
};

struct Node {
  NodeId id;
  bool up = true;
  Disk disk;
  std::unique_ptr<Raft> raft;
  State state;
  std::uint64_t applied = 0;
  Role role = Role::follower;
  // The leader's bookkeeping for its own proposals in flight.
  std::uint64_t work_term = 0;
  std::unordered_set<JobId> reserved;
  std::set<JobId> completing;
};

struct Packet {
  int from = 0;
  int to = 0;
  std::string bytes;
};

std::string short_id(const NodeId& id) {
  return "n" + std::to_string(id.lo);
}

class Simulation {
 public:
  explicit Simulation(const SimOptions& options) : options_(options), rng_(options.seed) {
    faults_.drop = rng_.below(80);
    faults_.duplicate = rng_.below(40);
    faults_.max_delay = 1 + rng_.below(4);
    faults_.partition = rng_.below(6);
    faults_.heal = 5 + rng_.below(20);
    faults_.crash = rng_.below(5);
    faults_.crash_in_ready = rng_.below(3);
    faults_.restart = 10 + rng_.below(40);
    faults_.compact = rng_.below(20);
    faults_.skip_tick = rng_.below(150);
    ConfState conf;
    for (int i = 0; i < options_.nodes; ++i) {
      const NodeId id = NodeId::from_u64(static_cast<std::uint64_t>(i + 1));
      if (options_.membership && i >= 3) {
        conf.learners.insert(id);
      } else {
        conf.voters.insert(id);
      }
    }
    nodes_.resize(static_cast<std::size_t>(options_.nodes));
    side_.assign(nodes_.size(), 0);
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      nodes_[i].id = NodeId::from_u64(i + 1);
      nodes_[i].disk.snapshot.meta.conf = conf;
      start(static_cast<int>(i));
    }
  }

  SimResult run() {
    for (step_ = 0; step_ < options_.steps && !checker_.failed(); ++step_) step(true);
    if (!checker_.failed()) settle();
    result_.ok = !checker_.failed();
    if (!result_.ok) result_.failure = checker_.failure();
    result_.committed = checker_.max_committed();
    result_.leaders = checker_.leaders_elected();
    result_.jobs = checker_.committed_jobs().size();
    return std::move(result_);
  }

 private:
  TimeMs now() const { return kT0 + static_cast<TimeMs>(step_) * kStepMs; }

  void trace(const std::string& line) {
    if (options_.trace) result_.trace.push_back("step " + std::to_string(step_) + ": " + line);
  }

  void fail(const std::string& what) { checker_.fail(what); }

  void start(int n) {
    Node& node = nodes_[n];
    RaftConfig config;
    config.id = node.id;
    config.election_ticks = 10;
    config.heartbeat_ticks = 1;
    config.max_inflight = 4;        // small, so the window fills
    config.max_append_bytes = 600;  // small, so appends are split into batches
    config.seed = options_.seed;
    config.term_start_op = encode_op(LeaderStartOp{node.id.hex()});
    node.raft = std::make_unique<Raft>(
        config, RaftStorage{node.disk.hard_state, node.disk.snapshot, node.disk.entries});
    install(node, node.disk.snapshot);
    node.up = true;
    node.role = Role::follower;
    node.work_term = 0;
    node.reserved.clear();
    node.completing.clear();
  }

  void install(Node& node, const Snapshot& snapshot) {
    node.applied = snapshot.meta.index;
    if (snapshot.data.empty()) {
      node.state = State();
      return;
    }
    Result<State> state = State::decode_snapshot(snapshot.data);
    if (!state.ok()) return fail("snapshot does not decode: " + state.status().message);
    node.state = std::move(*state);
  }

  void crash(int n, const char* when) {
    Node& node = nodes_[n];
    trace("crash " + short_id(node.id) + " " + when);
    node.up = false;
    node.raft.reset();
    node.state = State();
    ++result_.crashes;
  }

  bool linked(int a, int b) const { return side_[a] == side_[b]; }

  void step(bool faulty) {
    if (faulty) inject_faults();
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      if (working_ && nodes_[n].up && nodes_[n].raft->role() == Role::leader)
        lead(static_cast<int>(n), faulty);
    }
    deliver(faulty);
    for (Node& node : nodes_) {
      if (node.up && !(faulty && rng_.chance(faults_.skip_tick))) node.raft->tick(now());
    }
    for (std::size_t n = 0; n < nodes_.size(); ++n) handle_ready(static_cast<int>(n), faulty);
    check();
  }

  void inject_faults() {
    const int count = static_cast<int>(nodes_.size());
    if (rng_.chance(faults_.partition)) {
      for (int& side : side_) side = static_cast<int>(rng_.below(2));
      std::string sides;
      for (int side : side_) sides += static_cast<char>('0' + side);
      trace("partition " + sides);
    }
    if (rng_.chance(faults_.heal)) std::fill(side_.begin(), side_.end(), 0);
    const int victim = static_cast<int>(rng_.below(static_cast<std::uint64_t>(count)));
    if (nodes_[victim].up && rng_.chance(faults_.crash)) crash(victim, "between steps");
    const int lazarus = static_cast<int>(rng_.below(static_cast<std::uint64_t>(count)));
    if (!nodes_[lazarus].up && rng_.chance(faults_.restart)) {
      trace("restart " + short_id(nodes_[lazarus].id));
      start(lazarus);
    }
    const int compactor = static_cast<int>(rng_.below(static_cast<std::uint64_t>(count)));
    if (nodes_[compactor].up && rng_.chance(faults_.compact)) compact(compactor);
  }

  void compact(int n) {
    Node& node = nodes_[n];
    Raft& raft = *node.raft;
    if (raft.log().applied() < raft.log().snapshot_index() + 4) return;
    raft.compact(node.state.encode_snapshot());
    node.disk.snapshot = raft.snapshot();
    const std::uint64_t index = raft.snapshot().meta.index;
    auto& entries = node.disk.entries;
    entries.erase(entries.begin(),
                  std::find_if(entries.begin(), entries.end(),
                               [&](const LogEntry& e) { return e.index > index; }));
    trace("compact " + short_id(node.id) + " to " + std::to_string(index));
  }

  void send(int from, const Message& m, bool faulty) {
    const int to = static_cast<int>(m.to.lo) - 1;
    if (m.type == MessageType::snapshot) ++result_.snapshots_sent;
    if (faulty && rng_.chance(faults_.drop)) return;
    const int copies = faulty && rng_.chance(faults_.duplicate) ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      const std::uint64_t delay = 1 + rng_.below(faulty ? faults_.max_delay : 1);
      const std::uint64_t at = static_cast<std::uint64_t>(step_) + delay;
      network_.emplace(std::make_pair(at, seq_++), Packet{from, to, encode_message(m)});
    }
  }

  void deliver(bool faulty) {
    (void)faulty;
    const auto now_step = static_cast<std::uint64_t>(step_);
    while (!network_.empty() && network_.begin()->first.first <= now_step) {
      Packet p = std::move(network_.begin()->second);
      network_.erase(network_.begin());
      if (!nodes_[p.to].up || !linked(p.from, p.to)) continue;
      Result<Message> m = decode_message(p.bytes);
      if (!m.ok()) return fail("a sent message does not decode: " + m.status().message);
      Status s = nodes_[p.to].raft->step(*m);
      if (!s.ok()) return fail("a node refused a message: " + s.message);
    }
  }

  void persist(Node& node, const Ready& r) {
    Disk& disk = node.disk;
    if (r.snapshot) {
      disk.snapshot = *r.snapshot;
      disk.entries.clear();
      install(node, *r.snapshot);
      trace(short_id(node.id) + " installs snapshot at " + std::to_string(r.snapshot->meta.index));
    }
    if (!r.entries.empty()) {
      const std::uint64_t first = r.entries.front().index;
      const std::uint64_t base = disk.snapshot.meta.index;
      if (first <= base || first > base + disk.entries.size() + 1)
        return fail("entries to persist from " + std::to_string(first) +
                    " do not join the persisted log ending at " +
                    std::to_string(base + disk.entries.size()));
      disk.entries.resize(first - base - 1);
      disk.entries.insert(disk.entries.end(), r.entries.begin(), r.entries.end());
    }
    if (r.hard_state) disk.hard_state = *r.hard_state;
  }

  void handle_ready(int n, bool faulty) {
    Node& node = nodes_[n];
    if (!node.up || !node.raft->has_ready()) return;
    Raft& raft = *node.raft;
    Ready r = raft.ready();
    if (faulty && rng_.chance(faults_.crash_in_ready)) return crash(n, "before persisting");
    persist(node, r);
    checker_.saw_appended(raft, r.entries);
    for (const Message& m : r.messages) send(n, m, faulty);
    for (const LogEntry& e : r.committed) apply(node, e);
    raft.advance(r);
  }

  void apply(Node& node, const LogEntry& e) {
    checker_.saw_applied(node.id, node.applied, e);
    node.applied = e.index;
    if (e.kind == EntryKind::config_change) {
      Result<ConfChange> change = decode_conf_change(e.op);
      if (!change.ok()) return fail("a committed conf change does not decode");
      trace(short_id(node.id) + " applies " + to_string(change->type) + " " +
            short_id(change->node) + " at " + std::to_string(e.index));
      return;
    }
    Result<Op> op = decode_op(e.op);
    if (!op.ok()) return fail("a committed op does not decode: " + op.status().message);
    ApplyResult result = node.state.apply(*op, ApplyContext{e.term, e.index, e.timestamp});
    if (const auto* enqueue = std::get_if<EnqueueOp>(&*op)) {
      for (std::size_t i = 0; i < enqueue->jobs.size(); ++i) {
        if (result.statuses.at(i).ok()) checker_.saw_enqueued(enqueue->jobs[i].id, e.index);
      }
    } else if (const auto* lease = std::get_if<LeaseOp>(&*op)) {
      for (std::size_t i = 0; i < lease->grants.size(); ++i) {
        const LeaseGrant& g = lease->grants[i];
        node.reserved.erase(g.id);
        if (!result.statuses.at(i).ok()) continue;
        checker_.saw_lease(g.id, e.term, g.attempt, e.index);
        ++result_.leases;
      }
    } else if (const auto* complete = std::get_if<CompleteOp>(&*op)) {
      for (const Completion& c : complete->completions) node.completing.erase(c.id);
    }
  }

  // The leader's duties: client enqueues, leases to its fake worker,
  // completions from it, promotions of failed jobs whose retry is due,
  // and (with membership on) changes of the member set.
  void lead(int n, bool faulty) {
    Node& node = nodes_[n];
    Raft& raft = *node.raft;
    if (node.work_term != raft.term()) {
      node.work_term = raft.term();
      node.reserved.clear();
      node.completing.clear();
    }
    if (rng_.chance(faulty ? 100 : 30)) {
      EnqueueOp op;
      const std::uint64_t count = 1 + rng_.below(3);
      for (std::uint64_t i = 0; i < count; ++i) {
        Job job;
        job.id = next_job_++;
        job.queue = "q" + std::to_string(job.id % 3);
        job.kind = JobKind::task;
        job.job_class = "Sim";
        job.payload = std::string(rng_.below(64), 'p');
        op.jobs.push_back(std::move(job));
      }
      (void)raft.propose({encode_op(op)}, now());
    }
    if (rng_.chance(150)) {
      std::uint32_t busy = static_cast<std::uint32_t>(node.reserved.size());
      for (JobId id : node.state.running_jobs()) {
        const Job* job = node.state.find(id);
        if (job && job->lease_term == raft.term()) ++busy;
      }
      if (busy < kWorkerSlots) {
        std::vector<WorkerCredit> workers{
            WorkerCredit{node.id.hex(), "w", {"*"}, {}, kWorkerSlots - busy, 10'000, {}}};
        std::vector<LeaseGrant> grants =
            plan_leases(node.state, workers, node.reserved, now(), kWorkerSlots);
        if (!grants.empty()) {
          for (const LeaseGrant& g : grants) node.reserved.insert(g.id);
          (void)raft.propose({encode_op(LeaseOp{grants})}, now());
        }
      }
    }
    if (rng_.chance(150)) {
      CompleteOp op;
      for (JobId id : node.state.running_jobs()) {
        const Job* job = node.state.find(id);
        if (!job || job->lease_term != raft.term() || node.completing.count(id)) continue;
        Completion c;
        c.id = id;
        c.term = job->lease_term;
        c.attempt = job->attempts;
        c.outcome = rng_.chance(100) ? Outcome::failed : Outcome::succeeded;
        op.completions.push_back(c);
        node.completing.insert(id);
      }
      if (!op.completions.empty()) (void)raft.propose({encode_op(op)}, now());
    }
    if (rng_.chance(50)) {
      std::vector<JobId> due = node.state.due_promotions(now(), 10);
      if (!due.empty()) (void)raft.propose({encode_op(PromoteOp{due})}, now());
    }
    if (options_.membership && faulty && rng_.chance(10)) change_members(raft);
  }

  void change_members(Raft& raft) {
    const ConfState& conf = raft.conf();
    std::vector<NodeId> outside;
    for (const Node& node : nodes_) {
      if (!conf.contains(node.id)) outside.push_back(node.id);
    }
    ConfChange change;
    if (!outside.empty()) {
      change = {ConfChangeType::add_learner, outside[rng_.below(outside.size())]};
    } else if (!conf.learners.empty() && conf.voters.size() < 5) {
      change = {ConfChangeType::promote, *conf.learners.begin()};
    } else if (conf.voters.size() > 3) {
      std::vector<NodeId> voters(conf.voters.begin(), conf.voters.end());
      change = {ConfChangeType::remove, voters[rng_.below(voters.size())]};
    } else {
      return;
    }
    Result<std::uint64_t> at = raft.propose_conf_change(change, now());
    if (at.ok())
      trace(short_id(raft.id()) + " proposes " + to_string(change.type) + " " +
            short_id(change.node) + " at " + std::to_string(*at));
  }

  void check() {
    for (Node& node : nodes_) {
      if (!node.up) continue;
      const Raft& raft = *node.raft;
      if (raft.role() != node.role) {
        node.role = raft.role();
        trace(short_id(node.id) + " is " + to_string(raft.role()) + " in term " +
              std::to_string(raft.term()));
      }
      if (raft.role() != Role::leader) continue;
      checker_.saw_leader(raft);
      checker_.saw_commit(raft);
    }
    if (step_ % 100 == 0) check_jobs(false);
  }

  // No committed job is lost: every node that applied past a job's enqueue
  // still holds it (nothing in the simulation deletes or purges jobs).
  void check_jobs(bool settled) {
    for (const Node& node : nodes_) {
      if (!node.up) continue;
      for (const auto& [job, index] : checker_.committed_jobs()) {
        if (index > node.applied) continue;
        if (node.state.find(job) == nullptr) {
          return fail(std::string(settled ? "after settling, " : "") + short_id(node.id) +
                      " lost committed job " + std::to_string(job) + " (enqueued at " +
                      std::to_string(index) + ", applied " + std::to_string(node.applied) + ")");
        }
      }
    }
  }

  // Heal everything, restart every node, stop the faults, and check that
  // the members converge on one leader's log with every committed entry.
  void settle() {
    std::fill(side_.begin(), side_.end(), 0);
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      if (!nodes_[n].up) start(static_cast<int>(n));
    }
    trace("settle");
    // Work goes on for a while, then stops so the members can catch up.
    const int end = step_ + kQuietSteps;
    for (; step_ < end && !checker_.failed(); ++step_) {
      working_ = step_ < end - kQuietSteps / 2;
      step(false);
    }
    if (checker_.failed()) return;
    const Node* leader = nullptr;
    for (const Node& node : nodes_) {
      if (node.raft->role() == Role::leader &&
          (leader == nullptr || node.raft->term() > leader->raft->term()))
        leader = &node;
    }
    if (leader == nullptr) return fail("no leader after settling");
    const RaftLog& log = leader->raft->log();
    if (log.committed() < checker_.max_committed())
      return fail("committed entries lost: the leader commits " + std::to_string(log.committed()) +
                  " of " + std::to_string(checker_.max_committed()));
    for (const Node& node : nodes_) {
      if (!leader->raft->conf().contains(node.id)) continue;
      if (node.applied != log.committed()) {
        return fail("after settling, " + short_id(node.id) + " applied " +
                    std::to_string(node.applied) + " of " + std::to_string(log.committed()));
      }
    }
    check_jobs(true);
  }

  SimOptions options_;
  SplitMix rng_;
  Faults faults_;
  Checker checker_;
  SimResult result_;
  std::vector<Node> nodes_;
  std::vector<int> side_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, Packet> network_;  // (step, seq)
  std::uint64_t seq_ = 0;
  JobId next_job_ = 1;
  int step_ = 0;
  bool working_ = true;
};

}  // namespace

SimOptions options_for_seed(std::uint64_t seed) {
  SimOptions options;
  options.seed = seed;
  options.nodes = seed % 2 == 0 ? 3 : 5;
  options.membership = seed % 4 == 1;
  return options;
}

SimResult run_simulation(const SimOptions& options) {
  Simulation simulation(options);
  return simulation.run();
}

}  // namespace desaster::raft::sim
