// Waiting for an old process's last HTTP answers (see quiet_wait.hpp).
#include "core/node/upgrade/quiet_wait.hpp"

#include <utility>

namespace desaster {

namespace {

constexpr std::uint64_t kCheckMs = 20;

struct QuietWait {
  uv_timer_t timer{};  // first: the close callback gets its address
  std::function<bool()> quiet;
  std::function<void(bool)> done;
  std::uint64_t until = 0;
};

void finish(QuietWait* w, bool quiet) {
  auto done = std::move(w->done);
  uv_close(reinterpret_cast<uv_handle_t*>(&w->timer),
           [](uv_handle_t* h) { delete reinterpret_cast<QuietWait*>(h); });
  done(quiet);
}

void check(uv_timer_t* t) {
  auto* w = reinterpret_cast<QuietWait*>(t);
  if (w->quiet()) {
    finish(w, true);
  } else if (uv_now(t->loop) >= w->until) {
    finish(w, false);
  }
}

}  // namespace

void wait_until_quiet(uv_loop_t* loop, std::function<bool()> quiet, std::uint64_t bound_ms,
                      std::function<void(bool quiet)> done) {
  auto* w = new QuietWait;
  w->quiet = std::move(quiet);
  w->done = std::move(done);
  w->until = uv_now(loop) + bound_ms;
  uv_timer_init(loop, &w->timer);
  if (w->quiet()) {
    finish(w, true);
    return;
  }
  uv_timer_start(
      &w->timer, [](uv_timer_t* t) noexcept { check(t); }, kCheckMs, kCheckMs);
}

}  // namespace desaster
