// State::decode_snapshot on arbitrary bytes: never crashes; whatever it
// accepts re-encodes to the same state, and its rebuilt indexes hold up
// while every kind of op runs against it (an inconsistency the decoder let
// through would show up here as a crash or a sanitizer report).
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

#include "core/state/lease_planner.hpp"
#include "core/state/op_codec.hpp"
#include "core/state/state.hpp"

using namespace desaster;

namespace {

void exercise(State& state) {
  constexpr TimeMs kNow = 1'750'000'000'000;
  constexpr TimeMs kLater = std::numeric_limits<TimeMs>::max() / 2;
  std::uint64_t term = state.applied_term() + 1;
  std::uint64_t index = state.applied_index() + 1;
  auto apply = [&](const Op& op, TimeMs now) { state.apply(op, ApplyContext{term, index++, now}); };

  apply(LeaderStartOp{"fuzz"}, kNow);
  // The disciplines the snapshot restored answer every read, and hand their
  // jobs over when switched.
  for (const QueueInfo& q : state.queues()) {
    (void)state.next_deadline(kNow);
    for (const Job* job : state.list({q.name, JobState::queued, 0, 100}).jobs)
      (void)state.eta(job->id, kNow, 3);
    QueueConfig sfq = q.config;
    sfq.qdisc = QdiscConfig{QdiscKind::sfq, 0, 2, {}, {}, {}};
    apply(QueueConfigureOp{q.name, sfq}, kNow);
    if (state.qdisc(q.name)->size() != state.queue(q.name)->counts.by_state[1]) std::abort();
  }
  apply(PromoteOp{state.due_promotions(kLater, 1000)}, kLater);
  std::vector<WorkerCredit> workers{{"n", "w", {"*"}, {}, 1000, 10, {}}};
  apply(LeaseOp{plan_leases(state, workers, {}, kNow, 1000)}, kNow);
  apply(ReleaseOp{state.expired_leases(kLater, 1000), true, "expired"}, kLater);
  std::vector<Completion> done;
  for (JobId id : state.running_jobs()) {
    const Job* job = state.find(id);
    done.push_back({id, job->lease_term, job->attempts, Outcome::failed, 1, "", "", 0, 0});
  }
  apply(CompleteOp{done}, kNow);
  apply(PurgeOp{}, kLater);
  std::vector<JobId> all;
  for (ListPage page = state.list({"", std::nullopt, 0, 1000});;) {
    for (const Job* job : page.jobs) all.push_back(job->id);
    if (page.next == 0) break;
    page = state.list({"", std::nullopt, page.next, 1000});
  }
  apply(RetryOp{all}, kNow);
  for (const QueueInfo& q : state.queues()) apply(QueueDeleteOp{q.name}, kNow);
  apply(DeleteOp{all}, kNow);
  if (state.counts().total() != 0 || state.list({}).total != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Result<State> state = State::decode_snapshot(input);
  if (!state.ok()) {
    if (state.status().message.empty()) std::abort();
    return 0;
  }
  std::string encoded = state->encode_snapshot();
  Result<State> again = State::decode_snapshot(encoded);
  if (!again.ok() || again->encode_snapshot() != encoded) std::abort();
  exercise(*state);
  return 0;
}
