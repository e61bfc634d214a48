// desaster-web's error groups of its replica: the failed set (failed, dead
// and killed jobs) by error signature, kept op by op, so the failed page's
// "group by error" and an error group's job list read a few sets instead
// of signing every failed job's error (State::groups() and
// list_by_signature() are linear in the failed set: about 0.9 s at a
// million failed jobs).
//
// Per job of those states: its state, queue and signature's group; per
// group, queue and state: the ids, ordered (count = size, example = the largest id, the
// list walks them in id order). Grouping by queue or class stays with
// State::groups(), which reads only its index sizes and never visits a job.
//
// Kept incrementally from the feed like the SearchIndex: apply() after each
// op re-reads the jobs its events name, rebuild() after a snapshot. Not
// thread-safe: the Replica changes it under its exclusive state lock and
// reads it under the shared one.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/state/state.hpp"

namespace desaster::web {

class GroupIndex {
 public:
  // Forgets everything and reads every job of the tracked states.
  void rebuild(const State& state);
  // After an op: reads again the jobs its events name.
  void apply(const ApplyResult& result, const State& state);
  // Follows one job (drops it when state has no such job or it left the
  // tracked states).
  void update(JobId id, const State& state);

  // Whether every state of states (empty: failed and dead, as
  // State::groups() takes it) is one the index keeps.
  static bool tracks(const std::vector<JobState>& states);
  // State::groups(GroupBy::error, states), same order; nullopt when
  // tracks(states) is false.
  std::optional<std::vector<JobGroup>> error_groups(const std::vector<JobState>& states) const;
  // The ids of signature's jobs in states (tracked ones) and queue (empty:
  // any), ascending.
  std::vector<JobId> ids(const std::string& signature, const std::vector<JobState>& states,
                         const std::string& queue = {}) const;

  // The sets ids() merges (each ascending), for a page that reads a few
  // ids from each.
  std::vector<const std::set<JobId>*> sets(const std::string& signature,
                                           const std::vector<JobState>& states,
                                           const std::string& queue = {}) const;

  std::size_t jobs() const { return jobs_.size(); }
  std::size_t signatures() const { return groups_.size(); }

 private:
  using Sets = std::array<std::set<JobId>, 3>;  // by tracked state (slot_of)
  struct Group {
    std::unordered_map<std::string, Sets> by_queue;
  };
  struct Entry {
    // The group's and the queue's map nodes (pointers to nodes survive
    // rehashing; iterators do not).
    std::pair<const std::string, Group>* group = nullptr;
    std::pair<const std::string, Sets>* queue = nullptr;
    std::uint8_t slot = 0;
  };
  void drop(JobId id);
  void add(const Job& job, std::uint8_t slot);

  std::unordered_map<std::string, Group> groups_;  // by signature
  std::unordered_map<JobId, Entry> jobs_;
  std::string scratch_;
};

}  // namespace desaster::web
