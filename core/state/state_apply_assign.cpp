// The worker assignment ops of State::apply: attach and detach queues to
// pools, pause pools, drain nodes (one Status each), and pin jobs (one
// Status per id). None of them touches a job index: pins are not index keys.
#include "core/model/job_id.hpp"
#include "core/state/state_applier.hpp"

namespace desaster::state_detail {

namespace {

Status not_found(std::string message) {
  return Status::error(ErrorCode::not_found, std::move(message));
}

// A pool name an op may name: the shell pool or a declared Ruby pool.
Status check_pool(const StateData& s, const std::string& pool) {
  if (pool == kShellPool || s.pools.count(pool) > 0) return Status::success();
  return not_found("pool '" + pool + "' not found (pools: shell or a declared Ruby pool)");
}

}  // namespace

void Applier::operator()(const PoolAttachOp& op) {
  if (Status s = check_pool(s_, op.pool); !s.ok()) {
    r_.statuses.push_back(s);
    return;
  }
  if (std::string error = check_attachment(op.queue, op.weight); !error.empty()) {
    r_.statuses.push_back(bad_request(error));
    return;
  }
  s_.assignments.attached[PoolPlace{op.pool, op.node}][op.queue] = op.weight;
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const PoolDetachOp& op) {
  auto it = s_.assignments.attached.find(PoolPlace{op.pool, op.node});
  if (it == s_.assignments.attached.end() || it->second.erase(op.queue) == 0) {
    r_.statuses.push_back(not_found("queue '" + op.queue + "' is not attached to pool '" + op.pool +
                                    "'" +
                                    (op.node.empty() ? std::string() : " on node " + op.node)));
    return;
  }
  if (it->second.empty()) s_.assignments.attached.erase(it);
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const PoolPauseOp& op) {
  if (Status s = check_pool(s_, op.pool); !s.ok()) {
    r_.statuses.push_back(s);
    return;
  }
  auto& paused = s_.assignments.paused;
  if (op.paused) {
    paused.insert(PoolPlace{op.pool, op.node});
  } else if (op.node.empty()) {
    std::erase_if(paused, [&](const PoolPlace& place) { return place.first == op.pool; });
  } else {
    paused.erase(PoolPlace{op.pool, op.node});
  }
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const NodeDrainOp& op) {
  if (op.node.empty()) {
    r_.statuses.push_back(bad_request("drain needs a node"));
    return;
  }
  if (op.draining) {
    s_.assignments.draining.insert(op.node);
  } else {
    s_.assignments.draining.erase(op.node);
  }
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const PinOp& op) {
  for (JobId id : op.ids) {
    JobSlot* slot = s_.find(id);
    if (slot == nullptr) {
      r_.statuses.push_back(not_found("no job " + format_job_id(id)));
      continue;
    }
    // A running job keeps its lease; the pin applies from its next attempt.
    slot->job.pin_node = op.node;
    slot->job.pin_pool = op.pool;
    r_.statuses.push_back(Status::success());
  }
}

}  // namespace desaster::state_detail
