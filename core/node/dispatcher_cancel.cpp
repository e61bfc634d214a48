// The dispatcher's part in killing and relocating running jobs: once the
// KillOp or RelocateOp is applied, the worker holding the job's lease gets a
// "cancel" push {id, term, attempt} and stops the job (TERM, then KILL, for
// the node's own pools). Its report then counts as a duplicate run only.
#include "core/model/job_id.hpp"
#include "core/node/dispatcher.hpp"
#include "transport/protocol/replies.hpp"

namespace desaster {

void Dispatcher::cancel_leases(const std::vector<JobId>& ids, const ApplyResult& result,
                               bool requeued) {
  for (std::size_t i = 0; i < ids.size() && i < result.statuses.size(); ++i) {
    if (!result.statuses[i].ok()) continue;
    const JobId id = ids[i];
    // A lease proposed but not applied yet will be granted on the relocated
    // job (it is still queued): that run may go on.
    if (requeued && reserved_.count(id)) continue;
    for (auto& [peer, w] : workers_) {
      auto lease = w.leases.find(id);
      if (lease == w.leases.end() || lease->second.cancelled) continue;
      lease->second.cancelled = true;
      if (requeued) held_back_.insert(id);
      const protocol::CancelPush push{id, lease->second.term, lease->second.attempt};
      w.peer.send(protocol::encode_push(protocol::kCancelPush, protocol::encode_body(push)));
      ++stats_.cancels_sent;
      log_.info("cancelling job " + format_job_id(id) + " on worker " + w.credit.worker +
                (requeued ? " (relocated)" : " (killed)"));
    }
  }
}

}  // namespace desaster
