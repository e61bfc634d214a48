// The Ruby pool ops of State::apply: declare, remove and reload. The state
// only keeps the declarations; each node compares them with the pools it
// runs (workers/ruby_pool) after every applied op. Each answers with a
// single Status.
#include "core/state/state_applier.hpp"

namespace desaster::state_detail {

namespace {

Status no_pool(const std::string& name) {
  return Status::error(ErrorCode::not_found, "pool '" + name + "' not found");
}

}  // namespace

void Applier::operator()(const PoolDeclareOp& op) {
  if (std::string error = check_pool_spec(op.spec); !error.empty()) {
    r_.statuses.push_back(bad_request(error));
    return;
  }
  PoolSpec spec = op.spec;
  auto it = s_.pools.find(spec.name);
  spec.generation = it == s_.pools.end() ? 1 : it->second.generation + 1;
  s_.pools.insert_or_assign(spec.name, std::move(spec));
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const PoolRemoveOp& op) {
  auto it = s_.pools.find(op.name);
  if (it == s_.pools.end()) {
    r_.statuses.push_back(no_pool(op.name));
    return;
  }
  s_.pools.erase(it);
  s_.assignments.forget_pool(op.name);
  r_.statuses.push_back(Status::success());
}

void Applier::operator()(const PoolReloadOp& op) {
  auto it = s_.pools.find(op.name);
  if (it == s_.pools.end()) {
    r_.statuses.push_back(no_pool(op.name));
    return;
  }
  ++it->second.generation;
  r_.statuses.push_back(Status::success());
}

}  // namespace desaster::state_detail
