// A libuv loop for tests: bounded runs, an iteration counter, and a check
// that every handle was closed at the end.
#pragma once

#include <chrono>
#include <cstdint>

#include <uv.h>
#include <catch2/catch.hpp>

namespace desaster::transport_test {

using namespace std::chrono_literals;

// A loop with a bound: run_for() returns when a callback calls stop() or the
// limit passes; finish() lets every handle close and closes the loop.
class TestLoop {
 public:
  TestLoop() { uv_loop_init(&loop_); }
  ~TestLoop() {
    if (!closed_) finish();
  }
  uv_loop_t* get() { return &loop_; }

  bool run_for(std::chrono::milliseconds limit) {
    uv_timer_t guard;
    uv_timer_init(&loop_, &guard);
    guard.data = this;
    timed_out_ = false;
    uv_timer_start(
        &guard,
        [](uv_timer_t* t) {
          auto* self = static_cast<TestLoop*>(t->data);
          self->timed_out_ = true;
          uv_stop(&self->loop_);
        },
        static_cast<std::uint64_t>(limit.count()), 0);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_close(reinterpret_cast<uv_handle_t*>(&guard), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);
    return !timed_out_;
  }
  void stop() { uv_stop(&loop_); }

  // Every watcher must have been closed before.
  int finish() {
    uv_run(&loop_, UV_RUN_DEFAULT);
    closed_ = true;
    return uv_loop_close(&loop_);
  }

 private:
  uv_loop_t loop_{};
  bool timed_out_ = false;
  bool closed_ = false;
};

// Counts loop iterations with a prepare handle.
struct IterationCounter {
  explicit IterationCounter(uv_loop_t* loop) {
    uv_prepare_init(loop, &prepare);
    prepare.data = this;
    uv_prepare_start(&prepare,
                     [](uv_prepare_t* p) { ++static_cast<IterationCounter*>(p->data)->n; });
  }
  void close() { uv_close(reinterpret_cast<uv_handle_t*>(&prepare), nullptr); }
  uv_prepare_t prepare{};
  std::uint64_t n = 0;
};

// Iterations the loop makes while nothing happens for `quiet`.
inline std::uint64_t iterations_while_idle(TestLoop& loop, std::chrono::milliseconds quiet) {
  IterationCounter counter(loop.get());
  uv_timer_t timer;
  uv_timer_init(loop.get(), &timer);
  timer.data = &loop;
  uv_timer_start(
      &timer, [](uv_timer_t* t) { static_cast<TestLoop*>(t->data)->stop(); },
      static_cast<std::uint64_t>(quiet.count()), 0);
  REQUIRE(loop.run_for(5s));
  std::uint64_t n = counter.n;
  counter.close();
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  uv_run(loop.get(), UV_RUN_NOWAIT);
  return n;
}

}  // namespace desaster::transport_test
