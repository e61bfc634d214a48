#include "workers/shell/shell_pool.hpp"

#include "transport/security/curve_socket.hpp"

#include <memory>
#include <optional>
#include <unordered_map>
#include <variant>

#include "core/model/job_id.hpp"
#include "core/model/shell_command.hpp"
#include "transport/loop/report_batch.hpp"
#include "transport/loop/zmq_watcher.hpp"
#include "transport/protocol/job_wire.hpp"
#include "transport/protocol/leased_job.hpp"
#include "transport/protocol/messages.hpp"
#include "transport/protocol/replies.hpp"
#include "workers/shell/shell_runner.hpp"

namespace desaster {

struct ShellPool::Impl {
  uv_loop_t* loop;
  zmq::context_t& context;
  ShellPoolOptions options;
  std::optional<zmq::socket_t> socket;
  std::unique_ptr<ZmqWatcher> watcher;
  std::unique_ptr<ShellRunner> runner;
  uv_timer_t* heartbeat = nullptr;  // freed in its close callback
  std::uint64_t next_request_id = 1;
  std::uint64_t hello_request = 0;       // its answer says whether the node takes "reports"
  std::unique_ptr<ReportBatch> reports;  // set once the node said it takes them
  std::size_t running = 0;
  bool closing = false;

  struct Running {
    std::uint64_t term;
    std::uint32_t attempt;
  };
  std::unordered_map<JobId, Running> leases;
  // Jobs sampled over a limit (monitor::judge_sample), and why those past
  // the grace were stopped: their report says so instead of "killed".
  std::unordered_map<JobId, monitor::LimitMark> marks;
  std::unordered_map<JobId, std::string> stopped_over_limit;
  ShellLimitCounters counters;

  Impl(uv_loop_t* l, zmq::context_t& c, ShellPoolOptions o)
      : loop(l), context(c), options(std::move(o)) {}

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  void send(protocol::RequestBody body) {
    // Held reports go first: the node sees them in the order they happened.
    if (reports && !std::holds_alternative<protocol::Report>(body) &&
        !std::holds_alternative<protocol::Reports>(body))
      reports->flush();
    protocol::Request request{next_request_id++, std::move(body)};
    std::string frame = protocol::encode_request(request);
    std::vector<zmq::message_t> parts;
    parts.emplace_back(frame.data(), frame.size());
    watcher->send(std::move(parts));
  }

  void on_message(std::vector<zmq::message_t>& parts) {
    if (parts.size() != 1) return;
    auto reply = protocol::decode_reply(
        std::string_view(static_cast<const char*>(parts[0].data()), parts[0].size()));
    if (!reply.ok()) {
      log("shell pool: undecodable message from the master: " + reply.status().message);
      return;
    }
    if (reply->id != 0) {
      protocol::WorkerReply answer;
      if (reply->id == hello_request && !reports && reply->status.ok() &&
          protocol::decode_body(reply->body, answer).ok() && answer.batch) {
        reports = std::make_unique<ReportBatch>(
            loop, [this](protocol::RequestBody body) { send(std::move(body)); });
      }
      if (!reply->status.ok()) log("shell pool: the master answered " + reply->status.message);
      return;
    }
    if (reply->type == "lease") on_lease(reply->body);
    if (reply->type == protocol::kLeasesPush) on_leases(reply->body);
    if (reply->type == protocol::kCancelPush) on_cancel(reply->body);
  }

  // Several slim leases (the hello asked for them).
  void on_leases(const std::string& body) {
    protocol::LeasesPush push;
    if (Status s = protocol::decode_body(body, push); !s.ok()) {
      log("shell pool: bad leases: " + s.message);  // they expire on the node
      return;
    }
    for (protocol::SlimLease& slim : push.leases)
      on_job(protocol::leased_job(std::move(slim), push.term), push.term);
  }

  void on_lease(const std::string& body) {
    Job job;
    std::uint64_t term = 0;
    Status decoded;
    try {
      msgpack::object_handle handle = msgpack::unpack(body.data(), body.size());
      const msgpack::object& map = handle.get();
      if (map.type != msgpack::type::MAP) {
        decoded = Status::error(ErrorCode::bad_request, "lease body is not a map");
      } else {
        bool have_job = false;
        for (const auto& kv : map.via.map) {
          std::string key = kv.key.as<std::string>();
          if (key == "job") {
            decoded = protocol::unpack_job_map(kv.val, job);
            have_job = true;
          } else if (key == "term") {
            term = kv.val.as<std::uint64_t>();
          }
        }
        if (!have_job) decoded = Status::error(ErrorCode::bad_request, "lease without a job");
      }
    } catch (const std::exception& e) {
      decoded = Status::error(ErrorCode::bad_request, std::string("bad lease: ") + e.what());
    }
    if (!decoded.ok()) {
      log("shell pool: " + decoded.message);
      return;
    }
    on_job(std::move(job), term);
  }

  void on_job(Job job, std::uint64_t term) {
    if (auto running_now = leases.find(job.id); running_now != leases.end()) {
      // Leased again while it still runs here (a new leader put it back in
      // its queue): the run goes on as the new lease's, and its one report
      // answers it, rather than running twice or failing "already running".
      running_now->second = Running{term, job.attempts};
      return;
    }
    leases[job.id] = Running{term, job.attempts};
    if (closing) return;  // the node hands this one back itself
    ShellResult refused;
    if (job.kind != JobKind::shell) {
      refused.error =
          std::string("this node's shell pool cannot run ") + to_string(job.kind) + " jobs";
      report(job.id, refused);
      return;
    }
    Result<ShellCommand> command = decode_shell_command(job.payload);
    if (!command.ok()) {
      refused.error = command.status().message;
      report(job.id, refused);
      return;
    }
    // Which job and which run of it: a script that must be idempotent under
    // at-least-once can tell a repeated run from a first one.
    command->env["DESASTER_JOB_ID"] = std::to_string(job.id);
    command->env["DESASTER_JOB_ATTEMPT"] = std::to_string(job.attempts);
    ShellRunOptions run;
    run.timeout_ms = job.timeout_ms;
    run.output_tail_bytes = options.output_tail_bytes;
    run.kill_grace_ms = options.kill_grace_ms;
    ++running;
    runner->start(job.id, *command, run, [this](std::uint64_t id, ShellResult result) {
      --running;
      report(id, result);
    });
  }

  // Stops the job of a cancelled lease; a cancel for a lease we no longer
  // run (it ended, or a newer one replaced it) is ignored.
  void on_cancel(const std::string& body) {
    protocol::CancelPush cancel;
    if (Status s = protocol::decode_body(body, cancel); !s.ok()) {
      log("shell pool: bad cancel: " + s.message);
      return;
    }
    auto it = leases.find(cancel.id);
    if (it == leases.end() || it->second.term != cancel.term ||
        it->second.attempt != cancel.attempt) {
      return;
    }
    runner->kill(cancel.id);
  }

  void on_sample(JobId id, double cpu_percent, std::uint64_t rss_kb, TimeMs now) {
    if (!options.limits.any() || stopped_over_limit.count(id) != 0) return;
    monitor::LimitCheck check =
        monitor::judge_sample(options.limits, marks[id], cpu_percent, rss_kb, now);
    const std::string job = "shell job " + format_job_id(id);
    if (check.verdict == monitor::LimitVerdict::first_over) {
      log("shell pool: " + job + " over its " + monitor::limit_name(check.kind) + " limit (" +
          check.over + "): stopped if still over in " +
          std::to_string(options.limits.grace_ms / 1000) + " s");
    } else if (check.verdict == monitor::LimitVerdict::past_grace) {
      const bool memory = check.kind == monitor::LimitKind::memory;
      ++(memory ? counters.killed_over_memory : counters.killed_over_cpu);
      std::string why = std::string("killed over the shell pool's ") +
                        monitor::limit_name(check.kind) + " limit (" + check.over + ")";
      log("shell pool: " + job + " " + why + " past the " +
          std::to_string(options.limits.grace_ms / 1000) + " s grace");
      stopped_over_limit.emplace(id, std::move(why));
      runner->kill(id);
    }
  }

  void report(JobId id, const ShellResult& result) {
    marks.erase(id);
    std::optional<std::string> over_limit;
    if (auto stopped = stopped_over_limit.find(id); stopped != stopped_over_limit.end()) {
      over_limit = std::move(stopped->second);
      stopped_over_limit.erase(stopped);
    }
    auto it = leases.find(id);
    if (it == leases.end() || closing) return;
    protocol::Report r;
    r.id = id;
    r.term = it->second.term;
    r.attempt = it->second.attempt;
    leases.erase(it);
    r.outcome = result.succeeded   ? Outcome::succeeded
                : over_limit       ? Outcome::failed  // retried as any failure is
                : result.killed    ? Outcome::killed
                : result.timed_out ? Outcome::timed_out
                                   : Outcome::failed;
    r.exit_status = result.exit_status;
    r.output = result.output_tail;
    r.error = over_limit && !result.succeeded ? *over_limit : result.error;
    r.cpu_ms = result.cpu_ms;
    r.max_rss_kb = result.max_rss_kb;
    // This turn's reports in one message (ReportBatch).
    if (reports) return reports->add(std::move(r));
    send(std::move(r));
  }
};

ShellPool::ShellPool(uv_loop_t* loop, zmq::context_t& context, ShellPoolOptions options)
    : impl_(std::make_unique<Impl>(loop, context, std::move(options))) {}

ShellPool::~ShellPool() = default;

Status ShellPool::start() {
  Impl& impl = *impl_;
  try {
    impl.socket.emplace(impl.context, zmq::socket_type::dealer);
    impl.socket->set(zmq::sockopt::linger, 0);
    if (impl.options.keys == nullptr) {
      return Status::error(ErrorCode::internal, "shell pool started without the group's keys");
    }
    if (Status s = make_curve_client(*impl.socket, *impl.options.keys, CurveIdentity::client);
        !s.ok()) {
      return s;
    }
    impl.socket->connect(impl.options.endpoint);
  } catch (const zmq::error_t& e) {
    return Status::error(ErrorCode::unavailable,
                         "shell pool cannot connect to " + impl.options.endpoint + ": " + e.what());
  }
  impl.runner = std::make_unique<ShellRunner>(impl.loop);
  impl.watcher = std::make_unique<ZmqWatcher>(
      impl.loop, *impl.socket,
      [&impl](std::vector<zmq::message_t>& parts) { impl.on_message(parts); });
  // As the "shell" pool its queues come from the replicated assignment.
  protocol::WorkerHello hello{impl.options.name,       {"*"}, {JobKind::shell}, impl.options.slots,
                              std::string(kShellPool), {}};
  hello.batch = true;  // several leases a push; its answer says whether it takes "reports"
  impl.hello_request = impl.next_request_id;
  impl.send(std::move(hello));

  impl.heartbeat = new uv_timer_t;
  uv_timer_init(impl.loop, impl.heartbeat);
  impl.heartbeat->data = &impl;
  uv_timer_start(
      impl.heartbeat,
      [](uv_timer_t* timer) noexcept {
        static_cast<Impl*>(timer->data)->send(protocol::Heartbeat{});
      },
      protocol::kWorkerHeartbeatMs, protocol::kWorkerHeartbeatMs);
  return {};
}

std::size_t ShellPool::running() const {
  return impl_->running;
}

std::vector<std::pair<JobId, std::int64_t>> ShellPool::processes() const {
  if (!impl_->runner) return {};
  return impl_->runner->processes();  // run ids are job ids
}

void ShellPool::on_sample(std::int64_t pid, double cpu_percent, std::uint64_t rss_kb, TimeMs now) {
  for (const auto& [id, leader] : processes()) {
    if (leader == pid) {
      impl_->on_sample(id, cpu_percent, rss_kb, now);
      return;
    }
  }
}

const monitor::Limits& ShellPool::limits() const {
  return impl_->options.limits;
}

ShellLimitCounters ShellPool::limit_counters() const {
  return impl_->counters;
}

void ShellPool::close(std::function<void()> done) {
  Impl& impl = *impl_;
  if (impl.reports) impl.reports->close();  // the ended jobs' reports go before the socket
  impl.closing = true;
  if (impl.heartbeat) {
    uv_close(reinterpret_cast<uv_handle_t*>(impl.heartbeat),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
    impl.heartbeat = nullptr;
  }
  if (!impl.runner) {
    if (done) done();
    return;
  }
  impl.runner->close([&impl, done = std::move(done)]() mutable {
    impl.watcher->close([&impl, done = std::move(done)]() {
      impl.socket.reset();
      if (done) done();
    });
  });
}

}  // namespace desaster
