#include "core/node/http_remote.hpp"

#include "transport/protocol/action_messages.hpp"
#include "transport/protocol/job_spec.hpp"
#include "transport/protocol/replies.hpp"
#include "transport/security/curve_socket.hpp"

namespace desaster {

using http_front::BackendAnswer;

namespace {

// Our guard beyond the node's own wait timeout: the node answers a forwarded
// request unavailable when the leader changes, so this only catches a node
// that stopped answering altogether.
constexpr std::uint64_t kGuardMs = 5'000;

BackendAnswer unavailable(std::string why) {
  BackendAnswer a;
  a.kind = BackendAnswer::Kind::unavailable;
  a.error = std::move(why);
  return a;
}

// How a final job maps to what the client gets.
BackendAnswer answer_of(const Job& job) {
  BackendAnswer a;
  a.worker = "node " + job.node.substr(0, 8) + "/" + job.worker;
  a.error = job.last_error;
  if (job.state == JobState::succeeded) {
    a.kind = BackendAnswer::Kind::replied;
    a.output = job.output_tail;
  } else if (job.last_error.rfind("timed out", 0) == 0) {
    a.kind = BackendAnswer::Kind::timed_out;
  } else if (job.last_error.find("worker died") != std::string::npos ||
             job.last_error.find("worker lost") != std::string::npos ||
             job.state == JobState::killed) {
    a.kind = BackendAnswer::Kind::worker_lost;
  } else {
    a.kind = BackendAnswer::Kind::app_error;
  }
  return a;
}

}  // namespace

HttpRemote::HttpRemote(uv_loop_t* loop, zmq::context_t& context, HttpRemoteOptions options,
                       const Logger& log)
    : loop_(loop), context_(context), options_(std::move(options)), log_(log) {}

HttpRemote::~HttpRemote() {
  close();
}

Status HttpRemote::start() {
  if (options_.keys == nullptr)
    return Status::error(ErrorCode::internal, "http remote started without the group's keys");
  try {
    socket_.emplace(context_, zmq::socket_type::dealer);
    socket_->set(zmq::sockopt::linger, 0);
    if (Status s = make_curve_client(*socket_, *options_.keys, CurveIdentity::client); !s.ok())
      return s;
    socket_->connect(options_.endpoint);
  } catch (const zmq::error_t& e) {
    return Status::error(ErrorCode::unavailable,
                         "http front end cannot connect to " + options_.endpoint + ": " + e.what());
  }
  watcher_ = std::make_unique<ZmqWatcher>(
      loop_, *socket_, [this](std::vector<zmq::message_t>& parts) { on_message(parts); });
  timer_ = new uv_timer_t;
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(timer_));
  uv_timer_start(
      timer_, [](uv_timer_t* t) noexcept { static_cast<HttpRemote*>(t->data)->expire(); }, 1'000,
      1'000);
  return {};
}

void HttpRemote::close() {
  if (closed_) return;
  closed_ = true;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) p.done(unavailable("the node is shutting down"));
  if (timer_) {
    uv_close(reinterpret_cast<uv_handle_t*>(timer_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    timer_ = nullptr;
  }
  if (watcher_) {
    // The socket must outlive the watcher's handles: both go in the callback.
    auto* socket = new std::optional<zmq::socket_t>(std::move(socket_));
    auto* watcher = watcher_.release();
    watcher->close([socket, watcher] {
      delete socket;
      // The watcher frees its own handles; the object itself goes here.
      delete watcher;
    });
  }
}

bool HttpRemote::try_start(const std::string& queue, const std::string& flow, std::uint64_t /*id*/,
                           std::string payload, std::uint32_t timeout_ms, bool idempotent,
                           Done done) {
  if (closed_ || !watcher_ || pending_.size() >= options_.max_in_flight) return false;
  protocol::JobSpec spec;
  spec.queue = queue;
  spec.kind = JobKind::http;
  spec.job_class = "http";
  spec.flow = flow;
  spec.payload = std::move(payload);
  spec.timeout_ms = timeout_ms;
  // A lost worker: a GET or HEAD runs once more at once, anything else never.
  spec.retry.max_attempts = idempotent ? 2 : 1;
  spec.retry.backoff_base_ms = 1;
  spec.retry.backoff_max_ms = 1;
  const std::uint32_t wait_ms = options_.queue_timeout_ms;
  const std::uint64_t request_id = next_request_id_++;
  pending_[request_id] =
      Pending{std::move(done), uv_now(loop_) + wait_ms + kGuardMs, 0, timeout_ms};
  send(protocol::Enqueue{{std::move(spec)}, true, wait_ms}, request_id);
  return true;
}

void HttpRemote::send(protocol::RequestBody body, std::uint64_t request_id) {
  std::string frame = protocol::encode_request(protocol::Request{request_id, std::move(body)});
  std::vector<zmq::message_t> parts;
  parts.emplace_back(frame.data(), frame.size());
  watcher_->send(std::move(parts));
}

void HttpRemote::on_message(std::vector<zmq::message_t>& parts) {
  if (parts.size() != 1) return;
  Result<protocol::Reply> reply = protocol::decode_reply(
      std::string_view(static_cast<const char*>(parts[0].data()), parts[0].size()));
  if (!reply.ok()) {
    log_.warn("http front end: undecodable reply from the node: " + reply.status().message);
    return;
  }
  auto it = pending_.find(reply->id);
  if (it == pending_.end()) return;  // a kill's answer, or one we gave up on
  Pending pending = std::move(it->second);
  pending_.erase(it);
  if (pending.job != 0) return on_wait_reply(std::move(pending), *reply);
  on_reply(std::move(pending), *reply);
}

void HttpRemote::on_reply(Pending pending, const protocol::Reply& reply) {
  if (!reply.status.ok()) return pending.done(unavailable("the cluster: " + reply.status.message));
  protocol::EnqueueReply body;
  if (Status s = protocol::decode_body(reply.body, body); !s.ok())
    return pending.done(unavailable("the cluster's reply: " + s.message));
  if (body.ids.size() != 1 || body.errors.size() != 1)
    return pending.done(unavailable("the cluster's reply names no job"));
  if (body.ids[0] == 0) return pending.done(unavailable("the cluster: " + body.errors[0].message));
  const JobId id = body.ids[0];
  const std::optional<Job>* job = body.jobs.size() == 1 ? &body.jobs[0] : nullptr;
  if (job && *job && is_final((*job)->state)) return pending.done(answer_of(**job));
  if (job && *job && ((*job)->state == JobState::running || (*job)->state == JobState::failed) &&
      !closed_) {
    // A worker has it (or it waits for its one retry): wait for its end
    // as long as the request timeout allows.
    pending.job = id;
    pending.deadline_ms = uv_now(loop_) + pending.run_ms + kGuardMs;
    const std::uint64_t request_id = next_request_id_++;
    const std::uint32_t run_ms = pending.run_ms;
    pending_[request_id] = std::move(pending);
    return send(protocol::Wait{{id}, run_ms}, request_id);
  }
  // No worker took it in time: stop it, so it cannot run for nobody.
  kill_job(id);
  pending.done(unavailable("no worker in the cluster took it within " +
                           std::to_string(options_.queue_timeout_ms) + " ms"));
}

void HttpRemote::on_wait_reply(Pending pending, const protocol::Reply& reply) {
  protocol::WaitReply body;
  Status decoded = reply.status.ok() ? protocol::decode_body(reply.body, body) : reply.status;
  if (decoded.ok() && body.jobs.size() == 1 && body.jobs[0] && is_final(body.jobs[0]->state))
    return pending.done(answer_of(*body.jobs[0]));
  kill_job(pending.job);
  BackendAnswer a;
  a.kind = BackendAnswer::Kind::timed_out;
  if (decoded.ok() && body.jobs.size() == 1 && body.jobs[0])
    a.worker = "node " + body.jobs[0]->node.substr(0, 8) + "/" + body.jobs[0]->worker;
  a.error = decoded.ok() ? "the cluster's worker did not finish in time"
                         : "waiting for the cluster: " + decoded.message;
  pending.done(std::move(a));
}

void HttpRemote::kill_job(JobId id) {
  protocol::JobAction kill;
  kill.action = protocol::JobActionKind::kill;
  kill.ids = {id};
  send(std::move(kill), next_request_id_++);
}

void HttpRemote::expire() {
  const std::uint64_t now = uv_now(loop_);
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline_ms > now) {
      ++it;
      continue;
    }
    Done done = std::move(it->second.done);
    it = pending_.erase(it);
    done(unavailable("the node did not answer the enqueue"));
  }
}

}  // namespace desaster
