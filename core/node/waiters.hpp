// Clients waiting for jobs to finish (submit-and-wait, "wait"): answered the
// moment the last of their jobs reaches a final state, without polling, or
// when their timeout passes. Jobs are looked up when the answer is sent, so
// the client sees the final job as the state holds it.
//
// Threading: loop thread only. Owns one uv_timer_t per waiter with a timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include <uv.h>

#include "core/model/job.hpp"
#include "core/state/state.hpp"

namespace desaster {

class Waiters {
 public:
  // Builds and sends the reply once the ids are final or the time is up.
  using Answer = std::function<void(const std::vector<JobId>& ids)>;

  Waiters(uv_loop_t* loop, const State& state);
  ~Waiters();

  // ids may contain 0 (refused jobs): they count as done. timeout_ms 0: no limit.
  void add(std::vector<JobId> ids, std::uint32_t timeout_ms, Answer answer);
  // From the applied hook: jobs that became final or were removed.
  void on_events(const std::vector<JobEvent>& events);
  std::size_t size() const { return waiters_.size(); }
  // Answers everybody now (shutdown).
  void answer_all();

 private:
  struct Waiter;
  static void on_timeout(uv_timer_t* timer) noexcept;
  void finish(Waiter* waiter);

  uv_loop_t* loop_;
  const State& state_;
  std::uint64_t next_key_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Waiter>> waiters_;
  std::unordered_multimap<JobId, std::uint64_t> by_job_;
};

}  // namespace desaster
