// A tmux server of a test's own, to drive a terminal program as a person
// would: send-keys in, capture-pane out, conditions awaited with a bound.
#pragma once

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "tests/integration/harness/harness.hpp"

namespace desaster::test {

// A tmux server of the test's own (its own socket, no user config) with one
// session running a shell command.
class Tmux {
 public:
  Tmux(const std::string& command, int columns, int lines) {
    static std::atomic<int> counter{0};
    socket_ = "desaster-top-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    CommandResult r = tmux({"new-session", "-d", "-s", "top", "-x", std::to_string(columns), "-y",
                            std::to_string(lines), command});
    INFO(r.err);
    REQUIRE(r.exit_status == 0);
  }
  ~Tmux() { tmux({"kill-server"}); }

  CommandResult tmux(std::vector<std::string> args) const {
    args.insert(args.begin(), {"tmux", "-f", "/dev/null", "-L", socket_});
    return run_command(args, std::chrono::seconds(10));
  }
  // Named keys (Enter, Escape, Down) or literal text.
  void keys(const std::string& key) const { tmux({"send-keys", "-t", "top", key}); }
  void text(const std::string& literal) const { tmux({"send-keys", "-t", "top", "-l", literal}); }
  std::string screen() const { return tmux({"capture-pane", "-p", "-t", "top"}).out; }
  std::string format(const std::string& f) const {
    std::string out = tmux({"display-message", "-p", "-t", "top", f}).out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  void resize(int columns, int lines) const {
    tmux(
        {"resize-window", "-t", "top", "-x", std::to_string(columns), "-y", std::to_string(lines)});
  }
  // Waits until the screen shows text (or pred holds); the screen is kept
  // for the failure message.
  bool wait_for(const std::string& text,
                std::chrono::milliseconds bound = std::chrono::seconds(5)) {
    return wait_screen([&](const std::string& s) { return s.find(text) != std::string::npos; },
                       bound);
  }
  bool wait_screen(const std::function<bool(const std::string&)>& pred,
                   std::chrono::milliseconds bound = std::chrono::seconds(5)) {
    return wait_until(
        [&] {
          last = screen();
          return pred(last);
        },
        bound);
  }
  std::string last;

 private:
  std::string socket_;
};

// Requires a screen condition; on failure the message shows the screen.
#define REQUIRE_SCREEN(t, cond)    \
  do {                             \
    const bool ok_ = (cond);       \
    INFO("screen:\n" << (t).last); \
    REQUIRE(ok_);                  \
  } while (0)

inline bool contains(const std::string& s, const std::string& t) {
  return s.find(t) != std::string::npos;
}

}  // namespace desaster::test
