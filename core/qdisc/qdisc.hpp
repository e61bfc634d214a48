// A queueing discipline: the order in which one queue's ready jobs are
// dispatched. The State owns the jobs; a Qdisc holds a small entry for each
// ready job of its queue and answers "which jobs next?".
//
// Planning and accounting are split so that every replica computes the same
// thing from the same ops. plan() and visit_plan() are const: the master
// plans and proposes a LeaseOp. Accounting that shapes later decisions (DRR
// turns, token buckets) changes only in on_dispatched(), which the State calls
// while applying that LeaseOp, with the op's timestamp, and in insert/erase,
// which follow applied ops too. No clock is read: `now` is always an argument.
//
// Not thread-safe; one owner (the State).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/model/job.hpp"
#include "core/model/status.hpp"
#include "core/qdisc/qdisc_config.hpp"

namespace desaster {

// What a discipline knows of a ready job.
struct QdiscEntry {
  JobId id = 0;
  std::int32_t priority = 0;
  std::string flow;  // the client's flow key; the State passes the class when none is set
  std::string job_class;
  TimeMs ready_since = 0;       // when the job became ready; kept across a release (aging)
  std::uint64_t head_rank = 0;  // nonzero: released back to the head, the latest first

  bool operator==(const QdiscEntry&) const = default;
};

// A held entry as find() and the disciplines see it: the names are views of
// the discipline's own copies, valid while it holds the entry.
struct QdiscEntryView {
  JobId id = 0;
  std::int32_t priority = 0;
  std::string_view flow;
  std::string_view job_class;
  TimeMs ready_since = 0;
  std::uint64_t head_rank = 0;

  QdiscEntry owned() const {
    return {id, priority, std::string(flow), std::string(job_class), ready_since, head_rank};
  }
};

// The answer of a plan visitor for the job offered.
enum class PlanStep : std::uint8_t {
  take,  // counts as dispatched in the simulation (the caller grants it, or it is already reserved)
  skip,  // not dispatched (no worker runs its kind): passed over, not charged
  stop,  // the plan ends here
};
// Sees the id of the job offered; find() gives the rest.
using PlanVisitor = std::function<PlanStep(JobId)>;

// Where a job stands, for the ETA (eta.hpp); see each discipline for how it
// estimates.
struct Turn {
  // Dispatches of this queue expected before the job's own.
  double jobs_ahead = 0;
  // Jobs ahead of it in its own flow or class.
  std::uint64_t own_ahead = 0;
  // htb: the dispatch rate its class can expect, jobs per second; 0: not shaped.
  double shaped_rate = 0;
};

class Qdisc {
 public:
  virtual ~Qdisc() = default;

  virtual QdiscKind kind() const = 0;
  const QdiscConfig& config() const { return config_; }

  // Refused (conflict) if the id is already held.
  Status insert(QdiscEntry entry);
  // False if the id is not held. Call on_dispatched() first when the job
  // leaves because it was leased.
  bool erase(JobId id);
  std::size_t size() const { return entries_.size(); }
  std::optional<QdiscEntryView> find(JobId id) const;
  // Every entry in id order (switching, snapshots, tests).
  std::vector<QdiscEntry> entries_by_id() const;

  // Offers jobs in the order this discipline would dispatch them at `now`,
  // as if each one taken had been dispatched (on_dispatched + erase), until
  // the visitor says stop or nothing is eligible. Mutates nothing.
  virtual void visit_plan(TimeMs now, const PlanVisitor& visit) const = 0;
  // The next `max` jobs visit_plan would offer, all taken.
  std::vector<JobId> plan(TimeMs now, std::size_t max) const;
  // When jobs held back by shaping become eligible, if plan(now) is empty
  // although jobs are held; none otherwise. The master's timer waits for it.
  virtual std::optional<TimeMs> next_eligible(TimeMs now) const;

  // The job is being leased at `now` (the lease op's timestamp): charge its
  // flow or class. The job must still be held; erase it afterwards.
  virtual void on_dispatched(JobId id, TimeMs now) = 0;

  // The replicated accounting (not the entries, which the State rebuilds from
  // its jobs first): versioned msgpack. decode_accounting checks it against
  // the entries held and refuses (corrupt) what does not fit.
  virtual std::string encode_accounting() const = 0;
  virtual Status decode_accounting(std::string_view bytes) = 0;

  // none if the job is not held.
  virtual std::optional<Turn> turn_of(JobId id) const = 0;

 protected:
  explicit Qdisc(QdiscConfig config) : config_(std::move(config)) {}
  virtual void on_insert(const QdiscEntryView& entry) = 0;
  // Called before the entry is dropped.
  virtual void on_erase(const QdiscEntryView& entry) = 0;

 private:
  // An entry as held, 40 bytes: its flow and class point at one shared copy
  // of each name (names_), not at two strings of their own, for the memory
  // per queued job.
  struct Held {
    std::int32_t priority = 0;
    const std::string* flow = nullptr;
    const std::string* job_class = nullptr;
    TimeMs ready_since = 0;
    std::uint64_t head_rank = 0;
  };
  QdiscEntryView view(JobId id, const Held& held) const {
    return {id, held.priority, *held.flow, *held.job_class, held.ready_since, held.head_rank};
  }
  // The shared copy of name, counted once more; release() counts it down
  // and drops it at zero. Node-based, so the copies never move.
  const std::string* intern(const std::string& name);
  void release(const std::string* name);

  QdiscConfig config_;
  std::unordered_map<JobId, Held> entries_;  // looked up only, never iterated in a decision
  std::unordered_map<std::string, std::size_t> names_;  // flow and class names -> uses
};

// A discipline for a queue named `queue` (htb rules may match on it).
// Refuses (bad_request) a configuration validate() refuses.
Result<std::unique_ptr<Qdisc>> make_qdisc(const QdiscConfig& config, std::string_view queue = {});

// A new discipline holding every entry of `old` (no job is lost); its
// accounting starts afresh. Entries go in by id, so every replica that
// switches at the same op builds the same thing.
Result<std::unique_ptr<Qdisc>> switch_qdisc(const Qdisc& old, const QdiscConfig& config,
                                            std::string_view queue = {});

}  // namespace desaster
