// The reads of State about queueing disciplines: each queue's discipline,
// the measured service times, and a job's ETA computed on read.
#include "core/state/state_impl.hpp"

namespace desaster {

using namespace state_detail;

const Qdisc* State::qdisc(std::string_view queue) const {
  const QueueEntry* q = impl_->find_queue(queue);
  return q == nullptr ? nullptr : q->qdisc.get();
}

const ServiceTimes& State::service_times() const {
  return impl_->service_times;
}

std::optional<Eta> State::eta(JobId id, TimeMs now, std::uint32_t workers) const {
  const JobSlot* slot = impl_->find(id);
  if (slot == nullptr) return std::nullopt;
  const Job& job = slot->job;
  const QueueEntry& q = *slot->queue;
  EtaInput in;
  in.now = now;
  in.workers = workers;
  in.running =
      static_cast<std::uint32_t>(q.by_state[static_cast<std::size_t>(JobState::running)].size());
  in.job_class = job.job_class;
  switch (job.state) {
    case JobState::queued: {
      std::optional<Turn> turn = q.qdisc->turn_of(id);
      if (!turn) return std::nullopt;
      in.turn = *turn;
      break;
    }
    case JobState::scheduled:
    case JobState::failed: {
      // Not in line yet: it joins behind every job queued now, and cannot
      // start before its run_at (whichever comes later).
      in.turn.jobs_ahead = static_cast<double>(q.qdisc->size());
      in.not_before = job.run_at;
      break;
    }
    default:
      return std::nullopt;
  }
  return estimate_eta(in, impl_->service_times);
}

}  // namespace desaster
