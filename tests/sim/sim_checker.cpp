#include "tests/sim/sim_checker.hpp"

#include <algorithm>

namespace desaster::raft::sim {

namespace {

std::string num(std::uint64_t v) {
  return std::to_string(v);
}

std::uint64_t entry_hash(const LogEntry& e) {
  return fnv1a(e.op, static_cast<std::uint64_t>(e.kind) * 1099511628211ull + 14695981039ull) ^
         static_cast<std::uint64_t>(e.timestamp);
}

}  // namespace

std::uint64_t fnv1a(const std::string& bytes, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void Checker::fail(const std::string& what) {
  if (failure_.empty()) failure_ = what;
}

void Checker::saw_leader(const Raft& raft) {
  auto [it, fresh] = leaders_.emplace(raft.term(), raft.id());
  if (!fresh && it->second != raft.id()) {
    fail("election safety: two leaders in term " + num(raft.term()) + ": " +
         it->second.hex().substr(28) + " and " + raft.id().hex().substr(28));
    return;
  }
  // Leader completeness: what leaders of earlier terms committed is here.
  std::uint64_t last_earlier = 0;
  for (auto t = last_by_commit_term_.begin();
       t != last_by_commit_term_.end() && t->first < raft.term(); ++t) {
    last_earlier = std::max(last_earlier, t->second);
  }
  if (last_earlier == 0 || last_earlier <= raft.log().snapshot_index()) return;
  const Committed& c = committed_.at(last_earlier);
  if (raft.log().term_at(last_earlier) != c.term ||
      entry_hash(raft.log().at(last_earlier)) != c.hash) {
    fail("leader completeness: leader " + raft.id().hex().substr(28) + " of term " +
         num(raft.term()) + " lacks entry " + num(last_earlier) + " committed in term " +
         num(c.commit_term));
  }
}

void Checker::saw_appended(const Raft& raft, const std::vector<LogEntry>& entries) {
  for (const LogEntry& e : entries) {
    const std::uint64_t prev_term = raft.log().term_at(e.index - 1).value_or(~0ull);
    // Entries handed out may since have been replaced in the log by a later
    // conflict; only check those still there.
    if (raft.log().term_at(e.index) != e.term) continue;
    Seen seen{entry_hash(e), prev_term};
    auto [it, fresh] = seen_.emplace(std::make_pair(e.index, e.term), seen);
    if (fresh) continue;
    if (it->second.hash != seen.hash) {
      fail("log matching: two different entries at index " + num(e.index) + " term " + num(e.term));
    } else if (prev_term != ~0ull && it->second.prev_term != ~0ull &&
               it->second.prev_term != prev_term) {
      fail("log matching: entry " + num(e.index) + " term " + num(e.term) +
           " follows different terms (" + num(it->second.prev_term) + ", " + num(prev_term) +
           ") on two nodes");
    }
  }
}

void Checker::saw_commit(const Raft& raft) {
  const RaftLog& log = raft.log();
  const std::uint64_t from = std::max(log.first_index(), std::uint64_t{1});
  for (std::uint64_t i = log.committed(); i >= from; --i) {
    const LogEntry& e = log.at(i);
    auto [it, fresh] = committed_.emplace(i, Committed{e.term, entry_hash(e), raft.term()});
    std::uint64_t& last = last_by_commit_term_[raft.term()];
    last = std::max(last, i);
    if (!fresh) {
      if (it->second.term != e.term || it->second.hash != entry_hash(e)) {
        fail("state machine safety: leader " + raft.id().hex().substr(28) + " committed entry " +
             num(i) + " term " + num(e.term) + " but term " + num(it->second.term) +
             " was committed there");
        return;
      }
      if (it->second.commit_term <= raft.term()) break;  // the rest was seen before
      it->second.commit_term = raft.term();
    }
  }
}

void Checker::saw_applied(const NodeId& node, std::uint64_t previous, const LogEntry& e) {
  if (e.index != previous + 1) {
    fail("node " + node.hex().substr(28) + " applied entry " + num(e.index) + " after " +
         num(previous));
    return;
  }
  auto it = committed_.find(e.index);
  if (it == committed_.end()) {
    // Committed by a leader this checker has not looked at yet (it counts
    // leaders once a step); record it, with no leader term known.
    committed_.emplace(e.index, Committed{e.term, entry_hash(e), ~0ull});
    return;
  }
  if (it->second.term != e.term || it->second.hash != entry_hash(e)) {
    fail("state machine safety: node " + node.hex().substr(28) + " applied entry " + num(e.index) +
         " term " + num(e.term) + ", another applied term " + num(it->second.term));
  }
}

void Checker::saw_lease(std::uint64_t job, std::uint64_t term, std::uint32_t attempt,
                        std::uint64_t index) {
  auto [it, fresh] = leases_.emplace(std::make_tuple(job, term, attempt), index);
  if (!fresh && it->second != index) {
    fail("job " + num(job) + " attempt " + num(attempt) + " leased twice in term " + num(term) +
         " (entries " + num(it->second) + " and " + num(index) + ")");
  }
}

}  // namespace desaster::raft::sim
