// The queue-wide ops of State::apply: purge, the queue ops and a new
// leader's start. Each answers with a single Status.
#include <algorithm>
#include <initializer_list>
#include <vector>

#include "core/state/state_applier.hpp"

namespace desaster::state_detail {

void Applier::operator()(const PurgeOp&) {
  for (auto& [name, q] : s_.queues) {
    while (!q.succeeded.empty()) {
      auto [finished_at, id] = *q.succeeded.begin();
      std::optional<TimeMs> due = purge_time(finished_at, q.config.retention_ms);
      if (!due || *due > ctx_.now) break;
      erase(*s_.find(id));
      ++s_.totals.purged;
    }
  }
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const QueueCreateOp& op) {
  if (std::string error = check_queue_name(op.name); !error.empty()) {
    r_.statuses.push_back(bad_request(error));
  } else if (s_.find_queue(op.name) != nullptr) {
    r_.statuses.push_back(conflict("queue '" + op.name + "' already exists"));
  } else if (Status valid = validate(op.config.qdisc); !valid.ok()) {
    r_.statuses.push_back(valid);
  } else {
    QueueEntry& q = s_.queue_for(op.name);
    q.config = op.config;
    q.explicit_create = true;
    r_.statuses.push_back(s_.set_qdisc(op.name, q, op.config.qdisc));
  }
}

void Applier::operator()(const QueueConfigureOp& op) {
  if (std::string error = check_queue_name(op.name); !error.empty()) {
    r_.statuses.push_back(bad_request(error));
    return;
  }
  if (Status valid = validate(op.config.qdisc); !valid.ok()) {
    r_.statuses.push_back(valid);
    return;
  }
  bool existed = s_.find_queue(op.name) != nullptr;
  QueueEntry& q = s_.queue_for(op.name);
  if (!existed) q.explicit_create = true;
  // A new discipline takes over the queued jobs (none lost) with fresh
  // accounting; an unchanged one keeps its accounting. The blacklist keys on
  // the window. Every other index keys on job fields only, so other settings
  // (retention included) need no reindexing.
  if (q.config.dedup_window_ms != op.config.dedup_window_ms) {
    s_.blacklists.set_window(op.name, op.config.dedup_window_ms);
  }
  QdiscConfig qdisc = op.config.qdisc;
  bool switching = qdisc != q.config.qdisc;
  q.config = op.config;
  q.config.qdisc = q.qdisc->config();
  if (switching) {
    // Validated above, so the switch cannot be refused.
    r_.statuses.push_back(s_.set_qdisc(op.name, q, qdisc));
    return;
  }
  r_.statuses.push_back(Status::success());
}

// Removes the queue's jobs in the given states, in id order.
void Applier::erase_all(QueueEntry& q, std::initializer_list<JobState> states) {
  std::vector<JobId> ids;
  for (JobState state : states) {
    const auto& set = q.by_state[static_cast<std::size_t>(state)];
    ids.insert(ids.end(), set.begin(), set.end());
  }
  std::sort(ids.begin(), ids.end());
  for (JobId id : ids) erase(*s_.find(id));
}

void Applier::operator()(const QueueClearOp& op) {
  QueueEntry* q = s_.find_queue(op.name);
  if (q == nullptr) {
    r_.statuses.push_back(Status::error(ErrorCode::not_found, "queue '" + op.name + "' not found"));
    return;
  }
  erase_all(*q, {JobState::scheduled, JobState::queued, JobState::failed});
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const QueueDeleteOp& op) {
  auto it = s_.queues.find(op.name);
  if (it == s_.queues.end()) {
    r_.statuses.push_back(Status::error(ErrorCode::not_found, "queue '" + op.name + "' not found"));
    return;
  }
  QueueEntry& q = it->second;
  if (std::size_t running = q.by_state[static_cast<std::size_t>(JobState::running)].size()) {
    r_.statuses.push_back(
        conflict("queue '" + op.name + "' has " + std::to_string(running) + " running jobs"));
    return;
  }
  erase_all(q, {JobState::scheduled, JobState::queued, JobState::failed, JobState::succeeded,
                JobState::dead, JobState::killed});
  s_.queues.erase(it);
  s_.blacklists.drop_queue(op.name);
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const LeaderStartOp&) {
  for (auto& [name, q] : s_.queues) {
    const auto& running = q.by_state[static_cast<std::size_t>(JobState::running)];
    // Newest first, so that the oldest ends up at the very front.
    std::vector<JobId> stale;
    for (auto it = running.rbegin(); it != running.rend(); ++it) {
      if (s_.find(*it)->job.lease_term < ctx_.term) stale.push_back(*it);
    }
    for (JobId id : stale) {
      // Not charged (a failover is no fault of the job), but on record: the
      // run may have happened (its report never committed) and the job
      // runs again, so an operator sees which jobs ran twice and where.
      Job& job = s_.find(id)->job;
      add_history(job, Attempt{job.attempts, job.started_at, ctx_.now, job.node, job.worker, 0,
                               "cut short: the leader changed (lease of term " +
                                   std::to_string(job.lease_term) +
                                   ") before its report was committed; run again, not charged",
                               0, 0});
      to_head(*s_.find(id), true);
    }
  }
  r_.statuses.push_back(Status::success());
}

}  // namespace desaster::state_detail
