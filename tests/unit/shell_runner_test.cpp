// The shell runner against real processes on a real libuv loop. Each test
// runs the loop until it has nothing left to do (every run reported and every
// handle closed); a watchdog timer bounds that wait, so a hang fails the test
// instead of stalling the suite.
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "workers/shell/shell_runner.hpp"

using desaster::ShellCommand;
using desaster::ShellResult;
using desaster::ShellRunner;
using desaster::ShellRunOptions;

namespace {

constexpr std::uint64_t kWatchdogMs = 30'000;

ShellCommand argv(std::vector<std::string> args) {
  ShellCommand command;
  command.argv = std::move(args);
  return command;
}

ShellCommand sh(std::string script) {
  ShellCommand command;
  command.sh = std::move(script);
  return command;
}

class RunnerHarness {
 public:
  RunnerHarness() {
    uv_loop_init(&loop_);
    uv_timer_init(&loop_, &watchdog_);
    watchdog_.data = this;
    runner_.emplace(&loop_);
  }

  ~RunnerHarness() {
    if (loop_closed_) return;
    runner_.reset();  // a test that failed early: the runner kills and detaches
    uv_close(reinterpret_cast<uv_handle_t*>(&watchdog_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }

  ShellRunner& runner() { return *runner_; }

  void start(std::uint64_t id, const ShellCommand& command, ShellRunOptions options = {}) {
    runner_->start(id, command, options, [this](std::uint64_t run_id, ShellResult result) {
      ++calls_[run_id];
      results_[run_id] = std::move(result);
    });
  }

  // Runs the loop until it is idle; false when the watchdog had to stop it.
  bool run() {
    uv_timer_start(&watchdog_, on_watchdog, kWatchdogMs, 0);
    uv_unref(reinterpret_cast<uv_handle_t*>(&watchdog_));
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_timer_stop(&watchdog_);
    return !watchdog_fired_;
  }

  // Closes the runner, then the loop; returns uv_loop_close's answer.
  int close() {
    bool closed = false;
    runner_->close([&closed] { closed = true; });
    CHECK(run());
    CHECK(closed);
    runner_.reset();
    uv_close(reinterpret_cast<uv_handle_t*>(&watchdog_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    loop_closed_ = true;
    return uv_loop_close(&loop_);
  }

  // The single result of run id; fails the test unless done fired exactly once.
  const ShellResult& result(std::uint64_t id) {
    REQUIRE(calls_[id] == 1);
    return results_.at(id);
  }
  std::size_t reported() const { return results_.size(); }

 private:
  static void on_watchdog(uv_timer_t* timer) {
    auto* self = static_cast<RunnerHarness*>(timer->data);
    self->watchdog_fired_ = true;
    uv_stop(timer->loop);
  }

  uv_loop_t loop_{};
  uv_timer_t watchdog_{};
  std::optional<ShellRunner> runner_;
  std::map<std::uint64_t, ShellResult> results_;
  std::map<std::uint64_t, int> calls_;
  bool watchdog_fired_ = false;
  bool loop_closed_ = false;
};

// Bounded wait for a process that is not our child to be gone (or a zombie
// waiting for its new parent): polled because there is no event to wait on.
bool process_ends_within(pid_t pid, int bound_ms) {
  for (int waited = 0; waited < bound_ms; waited += 10) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, name, state;
    if (!(stat >> pid_field >> name >> state) || state == "Z") return true;
    usleep(10'000);
  }
  return false;
}

}  // namespace

TEST_CASE("a command that exits 0 succeeds with its output", "[shell]") {
  RunnerHarness harness;
  harness.start(1, argv({"echo", "hello", "world"}));
  REQUIRE(harness.run());
  const ShellResult& result = harness.result(1);
  CHECK(result.succeeded);
  CHECK(result.exit_status == 0);
  CHECK(result.error.empty());
  CHECK(result.output_tail == "hello world\n");
  CHECK_FALSE(result.timed_out);
  CHECK_FALSE(result.killed);
  CHECK(harness.close() == 0);
}

TEST_CASE("a command that exits 3 fails with its exit status", "[shell]") {
  RunnerHarness harness;
  harness.start(1, sh("echo partial; exit 3"));
  REQUIRE(harness.run());
  const ShellResult& result = harness.result(1);
  CHECK_FALSE(result.succeeded);
  CHECK(result.exit_status == 3);
  CHECK(result.error == "exit status 3");
  CHECK(result.output_tail == "partial\n");
  CHECK(harness.close() == 0);
}

TEST_CASE("stderr is captured in the same tail as stdout", "[shell]") {
  RunnerHarness harness;
  harness.start(1, sh("echo out; echo err >&2; echo out again"));
  REQUIRE(harness.run());
  CHECK(harness.result(1).output_tail == "out\nerr\nout again\n");
  CHECK(harness.close() == 0);
}

TEST_CASE("output longer than the tail keeps only its last bytes", "[shell]") {
  RunnerHarness harness;
  ShellRunOptions options;
  options.output_tail_bytes = 25;
  harness.start(1, sh("i=0; while [ $i -lt 2000 ]; do echo \"line $i\"; i=$((i+1)); done"),
                options);
  REQUIRE(harness.run());
  std::string expected;
  for (int i = 0; i < 2000; ++i) expected += "line " + std::to_string(i) + "\n";
  const ShellResult& result = harness.result(1);
  CHECK(result.succeeded);
  CHECK(result.output_tail == expected.substr(expected.size() - 25));
  CHECK(harness.close() == 0);
}

TEST_CASE("the sh form runs through /bin/sh with pipes and variables", "[shell]") {
  RunnerHarness harness;
  harness.start(1, sh("x=shell; echo \"$x form\" | tr a-z A-Z"));
  REQUIRE(harness.run());
  CHECK(harness.result(1).output_tail == "SHELL FORM\n");
  CHECK(harness.close() == 0);
}

TEST_CASE("the argv form passes arguments without a shell", "[shell]") {
  RunnerHarness harness;
  harness.start(1, argv({"printf", "[%s]", "a b", "$HOME", "*"}));
  REQUIRE(harness.run());
  CHECK(harness.result(1).output_tail == "[a b][$HOME][*]");
  CHECK(harness.close() == 0);
}

TEST_CASE("the job's env overrides and extends the node's environment", "[shell]") {
  setenv("DESASTER_SHELL_TEST_INHERITED", "from-node", 1);
  setenv("DESASTER_SHELL_TEST_OVERRIDDEN", "old", 1);
  ShellCommand command = sh(
      "printf '%s|%s|%s|' \"$DESASTER_SHELL_TEST_INHERITED\" \"$DESASTER_SHELL_TEST_OVERRIDDEN\" "
      "\"$DESASTER_SHELL_TEST_ADDED\"; env | grep -c '^DESASTER_SHELL_TEST_OVERRIDDEN='");
  command.env = {{"DESASTER_SHELL_TEST_OVERRIDDEN", "new"}, {"DESASTER_SHELL_TEST_ADDED", "added"}};
  RunnerHarness harness;
  harness.start(1, command);
  REQUIRE(harness.run());
  CHECK(harness.result(1).output_tail == "from-node|new|added|1\n");
  CHECK(harness.close() == 0);
  unsetenv("DESASTER_SHELL_TEST_INHERITED");
  unsetenv("DESASTER_SHELL_TEST_OVERRIDDEN");
}

TEST_CASE("the job runs in its cwd", "[shell]") {
  char pattern[] = "/tmp/desaster-shell-cwd-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  char real[PATH_MAX];
  REQUIRE(realpath(pattern, real) != nullptr);
  ShellCommand command = argv({"pwd", "-P"});
  command.cwd = pattern;
  RunnerHarness harness;
  harness.start(1, command);
  REQUIRE(harness.run());
  CHECK(harness.result(1).output_tail == std::string(real) + "\n");
  CHECK(harness.close() == 0);
  rmdir(pattern);
}

TEST_CASE("a missing program reports a spawn failure from the loop", "[shell]") {
  RunnerHarness harness;
  harness.start(1, argv({"desaster-no-such-program"}));
  harness.start(2, argv({"/nonexistent/desaster-program"}));
  ShellCommand bad_cwd = argv({"true"});
  bad_cwd.cwd = "/nonexistent/desaster-dir";
  harness.start(3, bad_cwd);
  CHECK(harness.reported() == 0);  // never inside start()
  REQUIRE(harness.run());
  for (std::uint64_t id : {1, 2, 3}) {
    const ShellResult& result = harness.result(id);
    CHECK_FALSE(result.succeeded);
    CHECK(result.exit_status == 127);
    CHECK(result.error == "spawn failed: No such file or directory");
  }
  CHECK(harness.close() == 0);
}

TEST_CASE("a timeout terminates the job with SIGTERM", "[shell]") {
  RunnerHarness harness;
  ShellRunOptions options;
  options.timeout_ms = 300;
  harness.start(1, argv({"sleep", "30"}), options);
  REQUIRE(harness.run());
  const ShellResult& result = harness.result(1);
  CHECK_FALSE(result.succeeded);
  CHECK(result.timed_out);
  CHECK_FALSE(result.killed);
  CHECK(result.exit_status == 128 + SIGTERM);
  CHECK(result.error == "timed out after 300 ms");
  CHECK(result.wall_ms >= 290);
  CHECK(result.wall_ms < 5'000);
  CHECK(harness.close() == 0);
}

TEST_CASE("a job that ignores SIGTERM gets SIGKILL after the grace", "[shell]") {
  RunnerHarness harness;
  ShellRunOptions options;
  // Long enough for sh to have set its trap before SIGTERM comes.
  options.timeout_ms = 1'000;
  options.kill_grace_ms = 300;
  harness.start(1, sh("trap '' TERM; sleep 30; sleep 30"), options);
  REQUIRE(harness.run());
  const ShellResult& result = harness.result(1);
  CHECK(result.timed_out);
  CHECK(result.exit_status == 128 + SIGKILL);
  CHECK(result.error == "timed out after 1000 ms");
  CHECK(result.wall_ms >= 1'290);
  CHECK(result.wall_ms < 10'000);
  CHECK(harness.close() == 0);
}

TEST_CASE("kill() terminates the job and marks it killed", "[shell]") {
  RunnerHarness harness;
  harness.start(1, argv({"sleep", "30"}));
  CHECK(harness.runner().running() == 1);
  harness.runner().kill(1);
  harness.runner().kill(99);  // unknown ids are ignored
  REQUIRE(harness.run());
  const ShellResult& result = harness.result(1);
  CHECK_FALSE(result.succeeded);
  CHECK(result.killed);
  CHECK_FALSE(result.timed_out);
  CHECK(result.exit_status == 128 + SIGTERM);
  CHECK(result.error == "killed on request");
  CHECK(harness.runner().running() == 0);
  CHECK(harness.close() == 0);
}

TEST_CASE("a killed job takes its background processes with it", "[shell]") {
  RunnerHarness harness;
  ShellRunOptions options;
  options.timeout_ms = 1'000;
  options.kill_grace_ms = 300;
  // The grandchild ignores SIGTERM too, so only the SIGKILL to the group ends it.
  harness.start(1, sh("trap '' TERM; sleep 30 & echo $!; wait"), options);
  REQUIRE(harness.run());
  const ShellResult& result = harness.result(1);
  CHECK(result.timed_out);
  REQUIRE_FALSE(result.output_tail.empty());
  const pid_t grandchild = std::stoi(result.output_tail);
  CHECK(process_ends_within(grandchild, 2'000));
  CHECK(harness.close() == 0);
}

TEST_CASE("a busy job records its CPU time and peak memory", "[shell]") {
  RunnerHarness harness;
  harness.start(1, sh("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"));
  REQUIRE(harness.run());
  const ShellResult& result = harness.result(1);
  CHECK(result.succeeded);
  CHECK(result.cpu_ms > 0);
  CHECK(result.max_rss_kb > 0);
  CHECK(result.wall_ms >= result.cpu_ms / 2);
  CHECK(harness.close() == 0);
}

TEST_CASE("concurrent runs each report their own result", "[shell]") {
  RunnerHarness harness;
  harness.start(1, sh("echo one; exit 1"));
  harness.start(2, sh("sleep 0.2; echo two; exit 2"));
  harness.start(3, argv({"printf", "three"}));
  harness.start(4, argv({"sleep", "30"}));
  CHECK(harness.runner().running() == 4);
  harness.runner().kill(4);
  REQUIRE(harness.run());
  CHECK(harness.result(1).output_tail == "one\n");
  CHECK(harness.result(1).exit_status == 1);
  CHECK(harness.result(2).output_tail == "two\n");
  CHECK(harness.result(2).exit_status == 2);
  CHECK(harness.result(3).output_tail == "three");
  CHECK(harness.result(3).succeeded);
  CHECK(harness.result(4).killed);
  CHECK(harness.close() == 0);
}

TEST_CASE("a run id that is already running is refused", "[shell]") {
  RunnerHarness harness;
  ShellRunOptions options;
  options.timeout_ms = 5'000;
  std::vector<ShellResult> results;
  auto record = [&results](std::uint64_t, ShellResult result) { results.push_back(result); };
  harness.runner().start(7, argv({"sleep", "30"}), options, record);
  harness.runner().start(7, argv({"true"}), options, record);
  harness.runner().kill(7);
  REQUIRE(harness.run());
  REQUIRE(results.size() == 2);
  CHECK(results[0].error == "not started: run id 7 is already running");
  CHECK(results[1].killed);
  CHECK(harness.close() == 0);
}

TEST_CASE("close() kills a running job and the loop closes cleanly", "[shell]") {
  RunnerHarness harness;
  ShellRunOptions options;
  options.kill_grace_ms = 300;
  harness.start(1, sh("trap '' TERM; sleep 30; sleep 30"), options);
  harness.start(2, argv({"sleep", "30"}), options);
  CHECK(harness.close() == 0);
  CHECK(harness.result(1).killed);
  CHECK(harness.result(2).killed);
  CHECK(harness.result(2).exit_status == 128 + SIGTERM);
  CHECK(harness.result(2).error == "killed: the runner is closing");
}

TEST_CASE("close() with nothing running completes on the loop", "[shell]") {
  RunnerHarness harness;
  CHECK(harness.close() == 0);
}

TEST_CASE("a runner destroyed while a job runs leaves the loop closable", "[shell]") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int calls = 0;
  {
    ShellRunner runner(&loop);
    runner.start(1, argv({"sleep", "30"}), {}, [&calls](std::uint64_t, ShellResult) { ++calls; });
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(calls == 0);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a runner may be destroyed inside a run's done callback", "[shell]") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  auto runner = std::make_unique<ShellRunner>(&loop);
  int calls = 0;
  auto count = [&calls](std::uint64_t, ShellResult) { ++calls; };
  runner->start(1, argv({"true"}), {}, [&](std::uint64_t, ShellResult) {
    ++calls;
    runner.reset();  // with run 2 still going
  });
  runner->start(2, argv({"sleep", "30"}), {}, count);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(calls == 1);
  CHECK(runner == nullptr);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a grandchild holding the output open does not hold the report", "[shell]") {
  RunnerHarness harness;
  harness.start(1, sh("sleep 30 & echo $!"));
  const std::uint64_t started_ns = uv_hrtime();
  REQUIRE(harness.run());
  const std::uint64_t elapsed_ms = (uv_hrtime() - started_ns) / 1'000'000;
  const ShellResult& result = harness.result(1);
  CHECK(result.succeeded);
  REQUIRE_FALSE(result.output_tail.empty());
  const pid_t grandchild = std::stoi(result.output_tail);
  CHECK(elapsed_ms < 5'000);
  // A job that ended normally keeps its background processes; clean up ours.
  CHECK(::kill(grandchild, 0) == 0);
  ::kill(grandchild, SIGKILL);
  CHECK(harness.close() == 0);
}
