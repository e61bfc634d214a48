#include "transport/protocol/leased_job.hpp"

#include <utility>

namespace desaster::protocol {

Job leased_job(SlimLease slim, std::uint64_t term) {
  Job job;
  job.id = slim.id;
  job.queue = std::move(slim.queue);
  job.kind = slim.kind;
  job.job_class = std::move(slim.job_class);
  job.payload = std::move(slim.payload);
  job.timeout_ms = slim.timeout_ms;
  job.state = JobState::running;
  job.attempts = slim.attempt;
  job.lease_term = term;
  return job;
}

}  // namespace desaster::protocol
