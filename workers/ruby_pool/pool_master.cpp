#include "workers/ruby_pool/pool_master.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <string_view>

extern char** environ;

namespace desaster::ruby_pool {

namespace {

// A master's largest message is a load failure with its backtrace.
constexpr std::size_t kMaxControlMessage = 1u << 20;
constexpr std::uint64_t kMasterExitGraceMs = 5000;

Status io_error(const std::string& what, int error) {
  return Status::error(ErrorCode::io_error, what + ": " + strerror(error));
}

}  // namespace

std::vector<std::string> master_arguments(const MasterLaunch& launch) {
  std::vector<std::string> args{
      "-I",     launch.gem_dir + "/lib", launch.gem_dir + "/bin/desaster-pool", "--control-fd", "3",
      "--name", launch.spec.name};
  if (!launch.spec.dir.empty()) args.insert(args.end(), {"--dir", launch.spec.dir});
  for (const std::string& file : launch.spec.require_files) {
    args.insert(args.end(), {"--require", file});
  }
  if (!launch.spec.rackup.empty()) args.insert(args.end(), {"--rackup", launch.spec.rackup});
  return args;
}

std::vector<std::string> master_environment(char** base, const std::vector<std::string>& env) {
  auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> out;
  for (char** e = base; e && *e; ++e) {
    std::string_view entry(*e);
    bool replaced = false;
    for (const std::string& add : env) replaced |= name_of(add) == name_of(entry);
    if (!replaced) out.emplace_back(entry);
  }
  out.insert(out.end(), env.begin(), env.end());
  return out;
}

struct PoolMaster::Impl {
  uv_loop_t* loop;
  MasterLaunch launch;
  Events events;
  int fd = -1;
  uv_process_t process{};
  uv_poll_t poll{};
  uv_timer_t kill_timer{};  // while closing: a master that does not exit is killed
  bool process_started = false;
  bool process_exited = false;
  bool poll_started = false;
  bool closing = false;
  bool channel_closed = false;
  int open_handles = 0;
  std::function<void()> done;
  struct Outgoing {
    std::string message;
    int fd;  // our dup, closed once sent
  };
  std::deque<Outgoing> outbox;
  std::string buffer = std::string(kMaxControlMessage, '\0');

  Impl(uv_loop_t* l, MasterLaunch m, Events e)
      : loop(l), launch(std::move(m)), events(std::move(e)) {}

  ~Impl() {
    for (Outgoing& o : outbox)
      if (o.fd >= 0) ::close(o.fd);
    if (fd >= 0) ::close(fd);
  }

  void channel_failed(const std::string& why) {
    if (channel_closed) return;
    channel_closed = true;
    uv_poll_stop(&poll);
    if (!closing && events.on_channel_closed) events.on_channel_closed(why);
  }

  void update_poll() {
    if (channel_closed || closing) return;
    int flags = UV_READABLE | (outbox.empty() ? 0 : UV_WRITABLE);
    uv_poll_start(&poll, flags, [](uv_poll_t* h, int status, int ready) noexcept {
      static_cast<Impl*>(h->data)->on_poll(status, ready);
    });
  }

  void on_poll(int status, int ready) {
    if (status < 0) return channel_failed(std::string("poll failed: ") + uv_strerror(status));
    if (ready & UV_WRITABLE) flush();
    if (ready & UV_READABLE) receive();
    update_poll();
  }

  void receive() {
    // Each recv is one whole message; take what is there now.
    for (int i = 0; i < 64 && !channel_closed && !closing; ++i) {
      msghdr msg{};
      iovec iov{buffer.data(), buffer.size()};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        return channel_failed(std::string("control read failed: ") + strerror(errno));
      }
      if (n == 0) return channel_failed("the master closed its control channel");
      if (msg.msg_flags & MSG_TRUNC) {
        return channel_failed("the master sent a control message over " +
                              std::to_string(kMaxControlMessage) + " bytes");
      }
      Result<MasterMessage> message =
          decode_master_message(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      if (!message.ok()) {
        return channel_failed("the master sent a bad message: " + message.status().message);
      }
      if (events.on_message) events.on_message(std::move(*message));
    }
  }

  // Sends what the socket takes; true when something is left over.
  void flush() {
    while (!outbox.empty() && !channel_closed) {
      Outgoing& o = outbox.front();
      if (Status s = send_now(o.message, o.fd); !s.ok()) {
        if (s.code == ErrorCode::unavailable) return;  // full: wait for writable
        return channel_failed(s.message);
      }
      if (o.fd >= 0) ::close(o.fd);
      outbox.pop_front();
    }
  }

  Status send_now(const std::string& message, int pass_fd) {
    msghdr msg{};
    iovec iov{const_cast<char*>(message.data()), message.size()};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (pass_fd >= 0) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(cmsg), &pass_fd, sizeof(int));
    }
    while (true) {
      ssize_t n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) return {};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Status::error(ErrorCode::unavailable, "");
      return io_error("control write failed", errno);
    }
  }

  static void on_handle_closed(uv_handle_t* h) { static_cast<Impl*>(h->data)->handle_closed(); }

  void close_process() {
    uv_close(reinterpret_cast<uv_handle_t*>(&process), on_handle_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&kill_timer), on_handle_closed);
  }

  void handle_closed() {
    if (--open_handles == 0 && done) {
      auto callback = std::move(done);
      delete this;
      callback();
    } else if (open_handles == 0) {
      delete this;
    }
  }
};

PoolMaster::PoolMaster(uv_loop_t* loop, MasterLaunch launch, Events events)
    : impl_(new Impl(loop, std::move(launch), std::move(events))) {}

PoolMaster::~PoolMaster() {
  if (impl_ && !impl_->closing) close(nullptr);
}

Status PoolMaster::start() {
  Impl& m = *impl_;
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return io_error("cannot create the control socketpair", errno);
  }
  m.fd = pair[0];
  std::vector<std::string> args = master_arguments(m.launch);
  args.insert(args.begin(), m.launch.ruby);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  uv_stdio_container_t stdio[4];
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_INHERIT_FD;  // the master's output joins the node's log
  stdio[1].data.fd = 2;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  stdio[3].flags = UV_INHERIT_FD;
  stdio[3].data.fd = pair[1];
  std::vector<std::string> env = master_environment(environ, m.launch.env);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  uv_process_options_t options{};
  options.file = argv[0];
  options.args = argv.data();
  options.env = envp.data();
  options.cwd = m.launch.spec.dir.empty() ? nullptr : m.launch.spec.dir.c_str();
  options.stdio = stdio;
  options.stdio_count = 4;
  options.exit_cb = [](uv_process_t* p, int64_t exit_status, int term_signal) noexcept {
    auto* self = static_cast<Impl*>(p->data);
    self->process_exited = true;
    if (self->closing) {
      uv_timer_stop(&self->kill_timer);
      self->close_process();
      return;
    }
    if (self->events.on_exit) self->events.on_exit(exit_status, term_signal);
  };
  m.process.data = &m;
  int error = uv_spawn(m.loop, &m.process, &options);
  ::close(pair[1]);
  if (error) {
    // uv_spawn leaves an initialised handle behind even on failure.
    m.process_started = true;
    m.process_exited = true;
    return Status::error(ErrorCode::unavailable,
                         "cannot start " + m.launch.ruby + ": " + uv_strerror(error));
  }
  m.process_started = true;
  uv_poll_init(m.loop, &m.poll, m.fd);
  m.poll.data = &m;
  m.poll_started = true;
  m.update_poll();
  return {};
}

pid_t PoolMaster::pid() const {
  return impl_ && impl_->process_started && !impl_->process_exited ? impl_->process.pid : 0;
}

Status PoolMaster::send(const std::string& message, int fd) {
  if (!impl_) return Status::error(ErrorCode::unavailable, "the master is closed");
  Impl& m = *impl_;
  if (m.channel_closed || m.closing || m.fd < 0) {
    return Status::error(ErrorCode::unavailable, "the master's control channel is closed");
  }
  if (m.outbox.empty()) {
    Status s = m.send_now(message, fd);
    if (s.ok()) return s;
    if (s.code != ErrorCode::unavailable) {
      m.channel_failed(s.message);
      return s;
    }
  }
  int copy = -1;
  if (fd >= 0 && (copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
    return io_error("cannot keep a worker channel for sending", errno);
  }
  m.outbox.push_back({message, copy});
  m.update_poll();
  return {};
}

void PoolMaster::close(std::function<void()> done) {
  Impl* m = impl_;
  impl_ = nullptr;
  if (!m) {
    if (done) done();
    return;
  }
  m->closing = true;
  m->done = std::move(done);
  m->open_handles = 1;  // held until every close is issued
  if (m->poll_started) {
    ++m->open_handles;
    uv_close(reinterpret_cast<uv_handle_t*>(&m->poll), Impl::on_handle_closed);
  }
  if (m->fd >= 0) {
    ::close(m->fd);  // the master sees EOF and exits
    m->fd = -1;
  }
  if (m->process_started) {
    m->open_handles += 2;
    uv_timer_init(m->loop, &m->kill_timer);
    m->kill_timer.data = m;
    if (m->process_exited) {
      m->close_process();
    } else {
      // Wait for the exit so it is reaped; a master that hangs is killed.
      uv_timer_start(
          &m->kill_timer,
          [](uv_timer_t* t) noexcept {
            auto* self = static_cast<Impl*>(t->data);
            uv_process_kill(&self->process, SIGKILL);
          },
          kMasterExitGraceMs, 0);
    }
  }
  m->handle_closed();
}

}  // namespace desaster::ruby_pool
