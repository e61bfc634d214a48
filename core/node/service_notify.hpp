// Tells a service manager how the node is doing, through sd_notify(3):
// READY=1 once the node has recovered and listens (systemd's Type=notify,
// start-stop-daemon --notify-await), STATUS= with its role and term
// every second, WATCHDOG=1 at half the unit's WatchdogSec, and
// STOPPING=1 on shutdown. Without $NOTIFY_SOCKET it does nothing and arms
// no timer.
//
// Owns its uv_timer_t; callbacks run on the loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

namespace desaster {

// Says the start failed (ERRNO= and STATUS= with the reason), so a manager
// waiting for READY=1 gives up at once instead of at its timeout.
void notify_start_failed(const std::string& reason);

class ServiceNotifier {
 public:
  // status() is read at READY and then every second (or watchdog period).
  ServiceNotifier(uv_loop_t* loop, std::function<std::string()> status);

  void ready();
  void stopping();
  // A hot upgrade's old process, once the new one (pid) serves: the manager
  // tracks the new process as the service's main one (MAINPID=), so this
  // one's exit does not end the service; nothing more is sent from here.
  void hand_over(std::int64_t pid);
  void close(std::function<void()> done);

 private:
  void tick();

  std::function<std::string()> status_;
  uv_timer_t timer_{};
  bool active_ = false;  // a service manager listens
  bool stopping_ = false;
  std::uint64_t watchdog_us_ = 0;  // 0: no watchdog
  std::function<void()> done_;
};

}  // namespace desaster
