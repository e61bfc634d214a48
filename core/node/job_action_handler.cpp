#include "core/node/job_action_handler.hpp"

#include <memory>

#include "transport/protocol/replies.hpp"

namespace desaster {

namespace {

// The answer being put together while the batches' ops are applied.
struct PendingAnswer {
  Peer peer;
  std::uint64_t request_id = 0;
  std::size_t ops_left = 0;
  bool failed = false;
  protocol::JobActionReply reply;

  void count(const State& state, JobId id, const Status& status) {
    if (status.ok()) {
      ++reply.done;
      return;
    }
    const Job* job = state.find(id);
    if (status.code == ErrorCode::not_found || job == nullptr) {
      ++reply.not_found;
    } else if (is_final(job->state) && status.code == ErrorCode::conflict) {
      ++reply.already_final;
    } else {
      ++reply.refused;
    }
    if (reply.errors.size() < protocol::kMaxActionErrors) {
      reply.errors.push_back({id, status});
    } else {
      ++reply.errors_left_out;
    }
  }

  void finish_one() {
    if (--ops_left > 0 || failed) return;
    peer.reply(request_id, Status::success(), protocol::encode_body(reply));
  }
};

}  // namespace

std::vector<std::vector<JobId>> JobActionHandler::select(const State& state,
                                                         const protocol::JobAction& action,
                                                         std::size_t max_batch) {
  std::vector<std::vector<JobId>> batches;
  if (!action.all) {
    for (std::size_t i = 0; i < action.ids.size(); i += max_batch) {
      const auto first = action.ids.begin() + static_cast<std::ptrdiff_t>(i);
      const auto last = action.ids.begin() +
                        static_cast<std::ptrdiff_t>(std::min(action.ids.size(), i + max_batch));
      batches.emplace_back(first, last);
    }
    return batches;
  }
  ListQuery query;
  query.queue = action.query_queue;
  query.state = action.query_state;
  query.limit = max_batch;
  for (;;) {
    ListPage page = state.list(query);
    if (page.jobs.empty()) break;
    std::vector<JobId>& batch = batches.emplace_back();
    batch.reserve(page.jobs.size());
    for (const Job* job : page.jobs) batch.push_back(job->id);
    if (page.next == 0) break;
    query.after = page.next;
  }
  return batches;
}

Op JobActionHandler::make_op(const protocol::JobAction& action, std::vector<JobId> ids,
                             TimeMs now) {
  switch (action.action) {
    case protocol::JobActionKind::kill:
      return KillOp{std::move(ids)};
    case protocol::JobActionKind::relocate:
      return RelocateOp{std::move(ids), action.queue.value_or(std::string()),
                        action.node.has_value(), action.node.value_or(std::string())};
    case protocol::JobActionKind::rerole:
      return ReroleOp{std::move(ids), action.job_class, action.priority, action.flow, action.queue};
    case protocol::JobActionKind::retry:
      return RetryOp{std::move(ids)};
    case protocol::JobActionKind::remove:
      return DeleteOp{std::move(ids)};
    case protocol::JobActionKind::reschedule:
      // The node's clock turns a relative time into the absolute one the op
      // carries, so every replica applies the same run_at.
      return RescheduleOp{std::move(ids), action.run_at != 0 ? action.run_at : now + action.in_ms};
  }
  return KillOp{};
}

void JobActionHandler::handle(const Peer& peer, std::uint64_t request_id,
                              const protocol::JobAction& action) {
  std::vector<std::vector<JobId>> batches = select(state_, action, protocol::kMaxBatch);
  auto answer = std::make_shared<PendingAnswer>();
  answer->peer = peer;
  answer->request_id = request_id;
  for (const auto& batch : batches) answer->reply.selected += batch.size();
  if (batches.empty()) {
    peer.reply(request_id, Status::success(), protocol::encode_body(answer->reply));
    return;
  }
  const TimeMs now = clock_();
  answer->ops_left = batches.size();
  for (std::vector<JobId>& batch : batches) {
    if (action.action == protocol::JobActionKind::remove) {
      // A running job is killed first (the dispatcher stops it), then
      // deleted by the op right behind; the reply counts the delete.
      std::vector<JobId> running;
      for (JobId id : batch) {
        const Job* job = state_.find(id);
        if (job && job->state == JobState::running) running.push_back(id);
      }
      if (!running.empty()) proposer_.propose(KillOp{std::move(running)});
    }
    std::vector<JobId> ids = batch;
    proposer_.propose(
        make_op(action, std::move(batch), now),
        [this, answer, ids = std::move(ids)](const Status& status, const ApplyResult& result) {
          if (!status.ok()) {
            // Not written: no job of this batch changed. The
            // client hears the error once, for the whole request.
            if (!answer->failed)
              answer->peer.reply(answer->request_id, status, protocol::kEmptyMap);
            answer->failed = true;
            answer->finish_one();
            return;
          }
          for (std::size_t i = 0; i < ids.size(); ++i) {
            answer->count(state_, ids[i],
                          i < result.statuses.size() ? result.statuses[i] : Status::success());
          }
          answer->finish_one();
        });
  }
}

}  // namespace desaster
