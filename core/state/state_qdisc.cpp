// The reads of State about queueing disciplines: each queue's discipline,
// the measured service times, and a job's ETA computed on read.
#include "core/state/state_impl.hpp"

#include <algorithm>

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
  const ServiceTimes& times = impl_->service_times;
  if (q.config.paused) return std::nullopt;  // nothing starts until someone resumes it
  std::optional<double> own = times.own_mean_ms(service_key(job));
  if (!own) return std::nullopt;  // never seen to finish: no honest guess
  EtaInput in;
  in.now = now;
  in.workers = workers;
  in.own_mean_ms = *own;
  // The jobs ahead are taken to cost what the queue's recent jobs cost one
  // by one. Not the running jobs' means: long jobs hold the slots longest,
  // so the running ones over-represent them (in a queue of four 0.1 s jobs
  // to one 3 s job, most slots run a 3 s job at any moment). Before any job
  // of the queue finished: the mean of this job's and the running ones'.
  double sum = *own;
  double known = 1;
  for (JobId running : q.by_state[static_cast<std::size_t>(JobState::running)]) {
    const JobSlot* r = impl_->find(running);
    if (r == nullptr) continue;
    std::optional<double> mean = times.own_mean_ms(service_key(r->job));
    const double ran = static_cast<double>(now > r->job.started_at ? now - r->job.started_at : 0);
    // A job past its mean may end at any moment; one never seen to finish
    // is taken to be like this one.
    in.running_left_ms.push_back(std::max((mean ? *mean : *own) - ran, 0.0));
    if (mean) {
      sum += *mean;
      ++known;
    }
  }
  in.ahead_mean_ms = times.queue_mean_ms(job.queue).value_or(sum / known);
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
  return estimate_eta(in);
}

}  // namespace desaster
