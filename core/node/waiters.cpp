#include "core/node/waiters.hpp"

namespace desaster {

struct Waiters::Waiter {
  Waiters* owner = nullptr;
  std::uint64_t key = 0;
  Answer answer;
  std::vector<JobId> ids;
  std::size_t remaining = 0;
  uv_timer_t* timer = nullptr;  // freed in its close callback
};

Waiters::Waiters(uv_loop_t* loop, const State& state) : loop_(loop), state_(state) {}

Waiters::~Waiters() {
  answer_all();
}

void Waiters::add(std::vector<JobId> ids, std::uint32_t timeout_ms, Answer answer) {
  auto waiter = std::make_unique<Waiter>();
  waiter->owner = this;
  waiter->key = next_key_++;
  waiter->answer = std::move(answer);
  for (JobId id : ids) {
    const Job* job = id ? state_.find(id) : nullptr;
    if (job && !is_final(job->state)) {
      ++waiter->remaining;
      by_job_.emplace(id, waiter->key);
    }
  }
  waiter->ids = std::move(ids);
  Waiter* raw = waiter.get();
  waiters_.emplace(raw->key, std::move(waiter));
  if (raw->remaining == 0) {
    finish(raw);
    return;
  }
  if (timeout_ms > 0) {
    raw->timer = new uv_timer_t;
    uv_timer_init(loop_, raw->timer);
    raw->timer->data = raw;
    uv_timer_start(raw->timer, on_timeout, timeout_ms, 0);
  }
}

void Waiters::on_events(const std::vector<JobEvent>& events) {
  if (by_job_.empty()) return;
  for (const JobEvent& event : events) {
    if (!event.removed && !is_final(event.state)) continue;
    auto [begin, end] = by_job_.equal_range(event.id);
    if (begin == end) continue;
    std::vector<std::uint64_t> keys;
    for (auto it = begin; it != end; ++it) keys.push_back(it->second);
    by_job_.erase(begin, end);
    for (std::uint64_t key : keys) {
      auto it = waiters_.find(key);
      if (it != waiters_.end() && --it->second->remaining == 0) finish(it->second.get());
    }
  }
}

void Waiters::on_timeout(uv_timer_t* timer) noexcept {
  auto* waiter = static_cast<Waiter*>(timer->data);
  waiter->owner->finish(waiter);
}

void Waiters::finish(Waiter* waiter) {
  waiter->answer(waiter->ids);
  if (waiter->remaining > 0) {
    for (JobId id : waiter->ids) {
      auto [begin, end] = by_job_.equal_range(id);
      for (auto it = begin; it != end;) {
        it = it->second == waiter->key ? by_job_.erase(it) : std::next(it);
      }
    }
  }
  if (waiter->timer) {
    uv_timer_stop(waiter->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(waiter->timer),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
  }
  waiters_.erase(waiter->key);
}

void Waiters::answer_all() {
  while (!waiters_.empty()) finish(waiters_.begin()->second.get());
}

}  // namespace desaster
