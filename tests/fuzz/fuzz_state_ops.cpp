// The State as a sequence of ops drives it: the input's bytes choose ops
// from a small world (16 job ids, 3 queues, 2 nodes, 2 workers) so that
// they meet each other (a lease of a job that exists, a report of a lease
// that was granted, a kill of a running job), and after every op the
// invariants are checked:
//   - every job is in exactly one state: the per-state counts add up to
//     the jobs the listing finds, and to the sum over queues;
//   - a running job has a node and a worker (no lease without its holder);
//   - the op survives its codec, and every few ops a snapshot restores to a
//     State that encodes to the same bytes.
// Any breach aborts, so libFuzzer reports the sequence that led to it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/state/op_codec.hpp"
#include "core/state/state.hpp"

using namespace desaster;

namespace {

// Reads the input a byte at a time; past its end every read is 0.
struct Bytes {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t at = 0;
  bool done() const { return at >= size; }
  std::uint8_t next() { return at < size ? data[at++] : 0; }
  std::uint32_t below(std::uint32_t n) { return next() % n; }
};

constexpr TimeMs kT0 = 1'750'000'000'000;
const char* const kQueues[] = {"a", "b", "c"};
const char* const kNodes[] = {"n1", "n2"};
const char* const kWorkers[] = {"w1", "w2"};

JobId job_id(Bytes& in) {
  return 1 + in.below(16);
}

std::vector<JobId> some_ids(Bytes& in) {
  std::vector<JobId> ids(1 + in.below(3));
  for (JobId& id : ids) id = job_id(in);
  return ids;
}

Job new_job(Bytes& in, TimeMs now) {
  Job job;
  job.id = job_id(in);
  job.queue = kQueues[in.below(3)];
  job.job_class = in.below(2) ? "Mailer" : "shell";
  job.payload = "p";
  job.priority = static_cast<std::int32_t>(in.below(5)) - 2;
  job.created_at = now;
  if (in.below(4) == 0) job.run_at = now + 1000 * in.below(10);
  if (in.below(4) == 0) job.unique_key = "u" + std::to_string(in.below(3));
  job.retry.max_attempts = in.below(4);
  return job;
}

Op next_op(Bytes& in, const State& state, std::uint64_t term, TimeMs now) {
  switch (in.below(16)) {
    case 0:
    case 1:
    case 2: {
      EnqueueOp op;
      for (std::uint32_t n = 1 + in.below(3); n > 0; --n) op.jobs.push_back(new_job(in, now));
      return op;
    }
    case 3:
    case 4: {
      LeaseOp op;
      for (JobId id : some_ids(in)) {
        const Job* job = state.find(id);
        LeaseGrant g;
        g.id = id;
        g.attempt = (job ? job->attempts : 0) + 1 - in.below(2);  // sometimes stale
        g.node = kNodes[in.below(2)];
        g.worker = kWorkers[in.below(2)];
        g.expires_at = in.below(2) ? now + 5000 : 0;
        op.grants.push_back(g);
      }
      return op;
    }
    case 5:
    case 6: {
      CompleteOp op;
      for (JobId id : some_ids(in)) {
        const Job* job = state.find(id);
        Completion c;
        c.id = id;
        c.term = in.below(2) ? term : term - 1;
        c.attempt = job ? job->attempts : 1;
        c.outcome = static_cast<Outcome>(in.below(4));
        c.output_tail = "out";
        op.completions.push_back(c);
      }
      return op;
    }
    case 7:
      return ReleaseOp{some_ids(in), in.below(2) == 1, "fuzz"};
    case 8:
      return PromoteOp{state.due_promotions(now, 8)};
    case 9:
      return RetryOp{some_ids(in)};
    case 10:
      return DeleteOp{some_ids(in)};
    case 11:
      return KillOp{some_ids(in)};
    case 12: {
      RelocateOp op;
      op.ids = some_ids(in);
      op.queue = kQueues[in.below(3)];
      return op;
    }
    case 13:
      return RescheduleOp{some_ids(in), now + 1000 * in.below(5)};
    case 14:
      return in.below(2) ? Op{QueueClearOp{kQueues[in.below(3)]}}
                         : Op{QueueDeleteOp{kQueues[in.below(3)]}};
    default:
      return LeaderStartOp{kNodes[in.below(2)]};
  }
}

void check(const State& state) {
  const StateCounts counts = state.counts();
  std::uint64_t by_state = 0;
  for (std::uint64_t n : counts.by_state) by_state += n;
  if (by_state != counts.total()) std::abort();
  ListQuery all;
  all.limit = 1;
  if (state.list(all).total != counts.total()) std::abort();
  std::uint64_t in_queues = 0;
  for (const QueueInfo& q : state.queues()) in_queues += q.counts.total();
  if (in_queues != counts.total()) std::abort();
  for (JobId id : state.running_jobs()) {
    const Job* job = state.find(id);
    if (job == nullptr || job->state != JobState::running || job->node.empty() ||
        job->worker.empty())
      std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in{data, size};
  State state;
  std::uint64_t term = 1;
  TimeMs now = kT0;
  for (std::uint64_t index = 1; !in.done() && index <= 200; ++index) {
    now += 100 * in.below(20);
    if (in.below(32) == 0) ++term;
    const Op op = next_op(in, state, term, now);
    const std::string encoded = encode_op(op);
    Result<Op> decoded = decode_op(encoded);
    if (!decoded.ok() || encode_op(*decoded) != encoded) std::abort();
    state.apply(*decoded, ApplyContext{term, index, now});
    check(state);
    if (index % 8 == 0) {
      const std::string snapshot = state.encode_snapshot();
      Result<State> restored = State::decode_snapshot(snapshot);
      if (!restored.ok() || restored->encode_snapshot() != snapshot) std::abort();
    }
  }
  return 0;
}
