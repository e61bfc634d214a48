// The old process's side of a hot upgrade (see upgrader.hpp).
#include "core/node/upgrade/upgrader.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>

#include "core/node/upgrade/handover_child.hpp"
#include "transport/handover/fd_channel.hpp"

extern char** environ;

namespace desaster {

namespace {

enum class Phase { idle, handing_off, draining, starting, pausing, handing, rolling_back, handed };

std::string own_executable() {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : std::string();
}

std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::string current;
  for (char c : all) {
    if (c == '\0') {
      args.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) args.push_back(std::move(current));
  return args;
}

std::int64_t since_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

}  // namespace

struct Upgrader::Impl {
  uv_loop_t* loop;
  Logger& log;
  UpgradeHooks hooks;
  std::uint32_t timeout_ms;
  // Captured at start: a package upgrade replaces the file, and
  // /proc/self/exe then names "PATH (deleted)".
  std::string executable = own_executable();
  std::vector<std::string> arguments = own_arguments();

  Phase phase = Phase::idle;
  std::string binary;
  Done done;
  std::string rollback_reason;
  std::chrono::steady_clock::time_point paused_at;
  handover::OwnedFd channel;
  uv_timer_t timer{};
  uv_poll_t* poll = nullptr;        // on channel, while a child runs
  uv_process_t* process = nullptr;  // the new process, until it exits or we close
  bool process_running = false;
  std::int64_t child_pid = 0;

  Impl(uv_loop_t* l, Logger& lg, UpgradeHooks h, std::uint32_t t)
      : loop(l), log(lg), hooks(std::move(h)), timeout_ms(t) {
    uv_timer_init(loop, &timer);
    timer.data = this;
  }

  void start_draining();
  void start_child();
  void on_readable();
  void on_message(const std::string& text);
  void hand_over();
  void rollback(const std::string& why);
  void finish_rollback();
  void stop_poll();
  void on_exit(std::int64_t status, int signal);
};

Upgrader::Upgrader(uv_loop_t* loop, Logger& log, UpgradeHooks hooks, std::uint32_t timeout_ms)
    : impl_(std::make_unique<Impl>(loop, log, std::move(hooks), timeout_ms)) {}

Upgrader::~Upgrader() = default;

bool Upgrader::active() const {
  return impl_->phase != Phase::idle;
}

bool Upgrader::paused() const {
  const Phase p = impl_->phase;
  return p == Phase::pausing || p == Phase::handing || p == Phase::rolling_back ||
         p == Phase::handed;
}

Status Upgrader::begin(const std::string& binary, Done done) {
  Impl& impl = *impl_;
  if (impl.phase != Phase::idle) {
    return Status::error(ErrorCode::conflict, "an upgrade is already under way");
  }
  const std::string path = binary.empty() ? impl.executable : binary;
  struct stat st {};
  if (path.empty() || path.front() != '/' || ::stat(path.c_str(), &st) != 0 ||
      !S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0) {
    return Status::error(ErrorCode::bad_request,
                         "cannot upgrade to '" + path + "': not an absolute path to an executable");
  }
  impl.binary = path;
  impl.done = std::move(done);
  if (impl.hooks.hand_off) {
    impl.phase = Phase::handing_off;
    impl.hooks.hand_off([&impl](const Status& handed) {
      if (impl.phase != Phase::handing_off) return;  // rolled back meanwhile
      if (!handed.ok()) {
        impl.rollback("leadership was not handed over: " + handed.message);
        return;
      }
      impl.start_draining();
    });
  } else {
    impl.start_draining();
  }
  uv_timer_start(
      &impl.timer,
      [](uv_timer_t* t) noexcept {
        auto* self = static_cast<Impl*>(t->data);
        switch (self->phase) {
          case Phase::handing_off:
            self->rollback("leadership was not handed over within " +
                           std::to_string(self->timeout_ms / 1000) + " s");
            break;
          case Phase::draining:
            self->rollback(std::to_string(self->hooks.running()) +
                           " jobs were still running after " +
                           std::to_string(self->timeout_ms / 1000) + " s");
            break;
          case Phase::starting:
          case Phase::pausing:
          case Phase::handing:
            self->rollback("the new process was not ready within " +
                           std::to_string(self->timeout_ms / 1000) + " s");
            break;
          default:
            break;
        }
      },
      impl.timeout_ms, 0);
  return Status::success();
}

void Upgrader::on_turn() {
  Impl& impl = *impl_;
  if (impl.phase == Phase::draining && impl.hooks.running() == 0) {
    impl.start_child();
  } else if (impl.phase == Phase::pausing && impl.hooks.quiet()) {
    impl.hand_over();
  }
}

void Upgrader::Impl::start_draining() {
  phase = Phase::draining;
  log.info("upgrade to " + binary + ": no new leases; waiting for " +
           std::to_string(hooks.running()) + " running jobs to finish here");
  hooks.stop_leasing();
}

void Upgrader::Impl::start_child() {
  Result<std::pair<handover::OwnedFd, handover::OwnedFd>> ends = handover::make_channel();
  if (!ends.ok()) {
    rollback(ends.status().message);
    return;
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind(std::string(kUpgradeFdEnvironment) + "=", 0) != 0)
      env_strings.emplace_back(*e);
  }
  env_strings.push_back(std::string(kUpgradeFdEnvironment) + "=3");
  std::vector<char*> env;
  for (std::string& s : env_strings) env.push_back(s.data());
  env.push_back(nullptr);
  std::vector<std::string> args = arguments;
  if (args.empty()) args.push_back(binary);
  args[0] = binary;
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  uv_stdio_container_t stdio[4];
  for (int i = 0; i < 3; ++i) {
    stdio[i].flags = UV_INHERIT_FD;
    stdio[i].data.fd = i;
  }
  stdio[3].flags = UV_INHERIT_FD;
  stdio[3].data.fd = ends->second.get();
  uv_process_options_t options{};
  options.file = binary.c_str();
  options.args = argv.data();
  options.env = env.data();
  options.stdio = stdio;
  options.stdio_count = 4;
  options.exit_cb = [](uv_process_t* p, std::int64_t status, int signal) noexcept {
    static_cast<Impl*>(p->data)->on_exit(status, signal);
  };
  process = new uv_process_t{};
  process->data = this;
  if (const int rc = uv_spawn(loop, process, &options); rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(process),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_process_t*>(h); });
    process = nullptr;
    rollback("cannot start " + binary + ": " + uv_strerror(rc));
    return;
  }
  process_running = true;
  child_pid = process->pid;
  channel = std::move(ends->first);  // the child's end closes with `ends`
  poll = new uv_poll_t{};
  uv_poll_init(loop, poll, channel.get());
  poll->data = this;
  uv_poll_start(poll, UV_READABLE, [](uv_poll_t* h, int, int) noexcept {
    static_cast<Impl*>(h->data)->on_readable();
  });
  phase = Phase::starting;
  log.info("upgrade: started " + binary + " as pid " + std::to_string(child_pid));
}

void Upgrader::Impl::on_readable() {
  while (channel.valid()) {
    Result<handover::Message> message = handover::receive_ready(channel.get());
    if (!message.ok()) {
      stop_poll();
      channel.reset();
      // A child that closed the channel is most likely exiting: its exit
      // status says more (on_exit rolls back); the timer bounds the wait.
      if (!process_running &&
          (phase == Phase::starting || phase == Phase::pausing || phase == Phase::handing)) {
        rollback("the new process went away: " + message.status().message);
      }
      return;
    }
    if (message->text.empty()) return;
    on_message(message->text);
  }
}

void Upgrader::Impl::on_message(const std::string& text) {
  if (text == "hello" && phase == Phase::starting) {
    phase = Phase::pausing;
    paused_at = std::chrono::steady_clock::now();
    hooks.pause();
    return;
  }
  if (text.rfind("ready ", 0) == 0 && phase == Phase::handing) {
    uv_timer_stop(&timer);
    stop_poll();
    phase = Phase::handed;
    log.info("upgrade: pid " + std::to_string(child_pid) + " serves now; requests paused for " +
             std::to_string(since_ms(paused_at)) + " ms; this process exits");
    if (done) done(Status::success(), child_pid);
    done = nullptr;
    hooks.retire();
    return;
  }
  if (text.rfind("fail ", 0) == 0) {
    rollback("the new process could not start: " + text.substr(5));
    return;
  }
  rollback("unexpected upgrade message from the new process: " + text.substr(0, 80));
}

void Upgrader::Impl::hand_over() {
  std::vector<std::pair<std::string, int>> fds = hooks.fds();
  std::string text = "take";
  std::vector<int> raw;
  for (const auto& [name, fd] : fds) {
    text += " " + name;
    raw.push_back(fd);
  }
  phase = Phase::handing;
  hooks.release();
  if (Status s = handover::send_message(channel.get(), text, raw); !s.ok()) {
    rollback(s.message);
    return;
  }
  log.info("upgrade: journal quiet after " + std::to_string(since_ms(paused_at)) +
           " ms; handed the data dir and " + std::to_string(fds.size() - 1) + " listeners to pid " +
           std::to_string(child_pid));
}

void Upgrader::Impl::rollback(const std::string& why) {
  if (phase == Phase::idle || phase == Phase::handed || phase == Phase::rolling_back) return;
  const bool had_journal = phase == Phase::handing;
  rollback_reason = why;
  uv_timer_stop(&timer);
  stop_poll();
  channel.reset();
  if (process_running) uv_process_kill(process, SIGKILL);
  // A child that had the journal may have written it: wait until it is gone.
  if (had_journal && process_running) {
    phase = Phase::rolling_back;
    return;
  }
  finish_rollback();
}

void Upgrader::Impl::finish_rollback() {
  phase = Phase::idle;
  log.warn("upgrade rolled back: " + rollback_reason + "; this process goes on serving");
  hooks.resume(rollback_reason);
  if (done)
    done(Status::error(ErrorCode::unavailable, "upgrade rolled back: " + rollback_reason), 0);
  done = nullptr;
}

void Upgrader::Impl::stop_poll() {
  if (!poll) return;
  uv_close(reinterpret_cast<uv_handle_t*>(poll),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  poll = nullptr;
}

void Upgrader::Impl::on_exit(std::int64_t status, int signal) {
  process_running = false;
  uv_close(reinterpret_cast<uv_handle_t*>(process),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_process_t*>(h); });
  process = nullptr;
  const std::string how = signal != 0 ? "was killed by signal " + std::to_string(signal)
                                      : "exited with status " + std::to_string(status);
  if (phase == Phase::rolling_back) {
    finish_rollback();
  } else if (phase == Phase::starting || phase == Phase::pausing || phase == Phase::handing) {
    rollback("the new process " + how + " before it was ready");
  }
}

void Upgrader::close(std::function<void()> done) {
  Impl& impl = *impl_;
  impl.stop_poll();
  impl.channel.reset();
  // The new process outlives this one: its handle is closed, not killed.
  if (impl.process) {
    uv_close(reinterpret_cast<uv_handle_t*>(impl.process),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_process_t*>(h); });
    impl.process = nullptr;
  }
  impl.timer.data = new std::function<void()>(std::move(done));
  uv_close(reinterpret_cast<uv_handle_t*>(&impl.timer), [](uv_handle_t* h) {
    auto* done = static_cast<std::function<void()>*>(h->data);
    if (*done) (*done)();
    delete done;
  });
}

}  // namespace desaster
