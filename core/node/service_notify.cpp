#include "core/node/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdlib>

namespace desaster {

void notify_start_failed(const std::string& reason) {
  std::string status = "cannot start: " + reason;
  std::replace(status.begin(), status.end(), '\n', ' ');
  sd_notify(0, ("ERRNO=5\nSTATUS=" + status).c_str());
}

ServiceNotifier::ServiceNotifier(uv_loop_t* loop, std::function<std::string()> status)
    : status_(std::move(status)) {
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  const char* socket = std::getenv("NOTIFY_SOCKET");
  active_ = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  if (active_ && sd_watchdog_enabled(0, &usec) > 0) watchdog_us_ = usec;
}

void ServiceNotifier::ready() {
  if (!active_) return;
  sd_notify(0, ("READY=1\nSTATUS=" + status_()).c_str());
  std::uint64_t period_ms = 1000;
  if (watchdog_us_ > 0) {
    period_ms = std::clamp<std::uint64_t>(watchdog_us_ / 2000, 1, 1000);
    sd_notify(0, "WATCHDOG=1");
  }
  uv_timer_start(
      &timer_, [](uv_timer_t* t) noexcept { static_cast<ServiceNotifier*>(t->data)->tick(); },
      period_ms, period_ms);
}

void ServiceNotifier::tick() {
  // A stuck loop never gets here: that is what the watchdog notices.
  if (watchdog_us_ > 0) sd_notify(0, "WATCHDOG=1");
  if (stopping_) return;
  // Every period, changed or not: a process a hot upgrade started is heard
  // only once the old one named it the main process (hand_over).
  sd_notify(0, ("STATUS=" + status_()).c_str());
}

void ServiceNotifier::stopping() {
  if (!active_) return;
  stopping_ = true;
  sd_notify(0, "STOPPING=1\nSTATUS=shutting down: running jobs may finish");
}

void ServiceNotifier::hand_over(std::int64_t pid) {
  if (!active_) return;
  sd_notify(0, ("MAINPID=" + std::to_string(pid) + "\nSTATUS=handed over to pid " +
                std::to_string(pid) + " (hot upgrade)")
                   .c_str());
  active_ = false;
  uv_timer_stop(&timer_);
}

void ServiceNotifier::close(std::function<void()> done) {
  done_ = std::move(done);
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* h) noexcept {
    auto* self = static_cast<ServiceNotifier*>(h->data);
    auto finished = std::move(self->done_);
    finished();
  });
}

}  // namespace desaster
