// The safety properties the Raft simulation checks after every step:
// election safety, log matching, leader completeness, state machine safety,
// and (for the queue on top) no committed job lost and no job leased twice
// within one term. The first violation is kept; the run stops there.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/cluster/raft.hpp"
#include "core/model/log_entry.hpp"

namespace desaster::raft::sim {

std::uint64_t fnv1a(const std::string& bytes, std::uint64_t seed = 1469598103934665603ull);

class Checker {
 public:
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  void fail(const std::string& what);

  // A node is leader of its term right now.
  void saw_leader(const Raft& raft);
  // A node persisted these entries into its log (whose state is raft's now).
  void saw_appended(const Raft& raft, const std::vector<LogEntry>& entries);
  // A leader's commit index: everything up to it is committed in its term.
  void saw_commit(const Raft& raft);
  // A node applied an entry (after its previous one, or after a snapshot).
  void saw_applied(const NodeId& node, std::uint64_t previous, const LogEntry& entry);
  // Queue: a lease (job, attempt) became effective at index in term.
  void saw_lease(std::uint64_t job, std::uint64_t term, std::uint32_t attempt, std::uint64_t index);
  void saw_enqueued(std::uint64_t job, std::uint64_t index) { jobs_.emplace(job, index); }

  const std::map<std::uint64_t, std::uint64_t>& committed_jobs() const { return jobs_; }
  std::uint64_t max_committed() const {
    return committed_.empty() ? 0 : committed_.rbegin()->first;
  }
  std::size_t leaders_elected() const { return leaders_.size(); }

 private:
  struct Committed {
    std::uint64_t term = 0;
    std::uint64_t hash = 0;
    std::uint64_t commit_term = 0;  // lowest leader term that counted it committed
  };
  struct Seen {
    std::uint64_t hash = 0;
    std::uint64_t prev_term = 0;
  };

  std::string failure_;
  std::map<std::uint64_t, NodeId> leaders_;                       // term -> leader
  std::map<std::pair<std::uint64_t, std::uint64_t>, Seen> seen_;  // (index, term)
  std::map<std::uint64_t, Committed> committed_;                  // index
  std::map<std::uint64_t, std::uint64_t> last_by_commit_term_;    // leader term -> last index
  // (job, term, attempt) -> index of the entry that granted it
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::uint32_t>, std::uint64_t> leases_;
  std::map<std::uint64_t, std::uint64_t> jobs_;  // job -> index of its enqueue
};

}  // namespace desaster::raft::sim
