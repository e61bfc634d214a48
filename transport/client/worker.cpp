// Worker: registration, leases, reports and heartbeats over a Connection;
// see client.hpp.
//
// Leases arrive as pushes at any time, also while we wait for some other
// reply; they go to a local queue that next() serves first. Replies to
// reports are consumed as they come and never waited for, so a report does
// not stall the push stream. Every message we send proves we are alive;
// when nothing has gone out for a heartbeat interval, a "heartbeat" does —
// from next() while it waits, from a thread while the caller runs a job.
//
// With a node that takes them (its "worker" reply says batch), reports are
// held while leases already here wait to run, and go out together in one
// "reports" message: when half the slots' worth is held, when no lease
// waits, or options.report_hold after the first was held, whichever comes first.
// Leases come as "leases" pushes, several slim ones a message.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "transport/client/client.hpp"
#include "transport/client/connection.hpp"
#include "transport/protocol/leased_job.hpp"
#include "transport/security/key_source.hpp"

namespace desaster {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {
// How often run() looks at keep_going while no job comes.
constexpr milliseconds kRunPollInterval{100};
constexpr milliseconds kRegisterTimeout{10'000};
// How often the worker's own thread reads the socket while a job runs, so
// that a "cancel" is noticed while the caller is busy.
constexpr milliseconds kCancelPollInterval{100};
// Held reports' output and error bytes beyond which they go at once (a
// message stays far below the node's frame limit).
constexpr std::size_t kReportHoldBytes = 256 * 1024;

bool refused_batch(const Status& status) {
  return status.code == ErrorCode::bad_request &&
         status.message.find("'batch'") != std::string::npos;
}

Lease lease_of(protocol::SlimLease slim, std::uint64_t term) {
  Lease lease;
  lease.term = term;
  lease.job = protocol::leased_job(std::move(slim), term);
  return lease;
}
}  // namespace

struct Worker::Impl {
  Impl(const WorkerOptions& opts, const GroupKeys& keys)
      : options(opts), connection(opts.endpoint, keys) {}
  ~Impl();

  Status register_worker();
  void start_heartbeats();
  // The callers below hold mutex.
  Status send(protocol::RequestBody body);
  void take(protocol::Reply& frame);
  Status drain();  // takes what has arrived, without waiting
  void heartbeat_if_due();
  Status flush_reports();
  // Holds report or sends it (with those held) as the comment on top says.
  Status queue_report(protocol::Report report);

  WorkerOptions options;
  Connection connection;
  std::mutex mutex;  // the socket is used by the caller and the heartbeat thread
  std::condition_variable wake;
  std::thread heartbeats;
  bool stopping = false;
  std::deque<Lease> leases;
  // Cancelled leases (id, term, attempt) not reported yet; own mutex, so
  // cancelled() never waits for a next() that blocks on the socket.
  using LeaseKey = std::tuple<JobId, std::uint64_t, std::uint32_t>;
  mutable std::mutex cancel_mutex;
  std::set<LeaseKey> cancelled;
  Clock::time_point last_send = Clock::now();
  milliseconds heartbeat{protocol::kWorkerHeartbeatMs};
  bool node_takes_reports = false;  // its "worker" reply said batch
  std::vector<protocol::Report> held;
  std::size_t held_bytes = 0;
  Clock::time_point held_since;
};

Worker::Impl::~Impl() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    (void)flush_reports();  // a report not sent: its job runs again elsewhere
    stopping = true;
  }
  wake.notify_all();
  if (heartbeats.joinable()) heartbeats.join();
}

Status Worker::Impl::send(protocol::RequestBody body) {
  // Counted as sent even when it failed, so a node that stopped reading
  // gets one heartbeat attempt per interval rather than a busy loop.
  last_send = Clock::now();
  Result<std::uint64_t> id = connection.send(std::move(body));
  return id.ok() ? Status::success() : id.status();
}

void Worker::Impl::take(protocol::Reply& frame) {
  if (frame.id == 0 && frame.type == protocol::kCancelPush) {
    protocol::CancelPush push;
    if (!protocol::decode_body(frame.body, push).ok()) return;
    {
      std::lock_guard<std::mutex> lock(cancel_mutex);
      cancelled.emplace(push.id, push.term, push.attempt);
    }
    if (options.on_cancel) options.on_cancel(push.id);
    return;
  }
  if (frame.id == 0 && frame.type == protocol::kLeasesPush) {
    protocol::LeasesPush push;
    // As a "lease" we cannot read: it expires on the node.
    if (!protocol::decode_body(frame.body, push).ok()) return;
    for (protocol::SlimLease& slim : push.leases)
      leases.push_back(lease_of(std::move(slim), push.term));
    return;
  }
  if (frame.id != 0 || frame.type != protocol::kLeasePush) return;  // report replies: done
  protocol::LeasePush push;
  // A lease we cannot read expires on the node and comes back to someone.
  if (!protocol::decode_body(frame.body, push).ok()) return;
  leases.push_back(Lease{std::move(push.job), push.term});
}

Status Worker::Impl::drain() {
  for (;;) {
    Result<std::optional<protocol::Reply>> frame = connection.receive(Clock::now());
    if (!frame.ok()) return frame.status();
    if (!frame.value()) return Status::success();
    take(**frame);
  }
}

void Worker::Impl::heartbeat_if_due() {
  if (Clock::now() - last_send >= heartbeat) send(protocol::Heartbeat{});
}

Status Worker::Impl::flush_reports() {
  if (held.empty()) return Status::success();
  Status sent =
      held.size() == 1 ? send(std::move(held.front())) : send(protocol::Reports{std::move(held)});
  held.clear();
  held_bytes = 0;
  return sent;
}

Status Worker::Impl::queue_report(protocol::Report report) {
  if (!node_takes_reports) return send(std::move(report));
  if (held.empty()) held_since = Clock::now();
  held_bytes += report.output.size() + report.error.size();
  held.push_back(std::move(report));
  const std::size_t enough = std::max<std::size_t>(1, options.slots / 2);
  if (leases.empty() || held.size() >= enough || held_bytes >= kReportHoldBytes ||
      held.size() >= protocol::kMaxReportsPerMessage)
    return flush_reports();
  wake.notify_all();  // the heartbeat thread sends them after report_hold
  return Status::success();
}

Status Worker::Impl::register_worker() {
  std::lock_guard<std::mutex> lock(mutex);
  protocol::WorkerHello hello{options.name, options.queues, options.kinds, options.slots, {}, {}};
  hello.batch = true;
  last_send = Clock::now();
  Result<protocol::Reply> reply =
      connection.call(hello, kRegisterTimeout, [this](protocol::Reply& frame) { take(frame); });
  if (reply.ok() && refused_batch(reply->status)) {
    // A node of an older version: one lease a push, one report a message.
    hello.batch = false;
    reply = connection.call(std::move(hello), kRegisterTimeout,
                            [this](protocol::Reply& frame) { take(frame); });
  }
  if (!reply.ok()) return reply.status();
  if (!reply->status.ok()) return reply->status;
  protocol::WorkerReply body;
  Status decoded = protocol::decode_body(reply->body, body);
  if (!decoded.ok()) {
    return Status::error(ErrorCode::internal,
                         "bad reply from " + options.endpoint + ": " + decoded.message);
  }
  if (body.heartbeat_ms > 0) heartbeat = milliseconds(body.heartbeat_ms);
  node_takes_reports = body.batch;
  return Status::success();
}

void Worker::Impl::start_heartbeats() {
  heartbeats = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stopping) {
      if (!held.empty() && Clock::now() >= held_since + options.report_hold) (void)flush_reports();
      heartbeat_if_due();
      (void)drain();  // pushes that came while the caller is busy: cancels above all
      Clock::time_point until = std::min(last_send + heartbeat, Clock::now() + kCancelPollInterval);
      if (!held.empty()) until = std::min(until, held_since + options.report_hold);
      wake.wait_until(lock, until);
    }
  });
}

Worker::Worker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Worker::~Worker() = default;

Result<std::unique_ptr<Worker>> Worker::connect(const WorkerOptions& options) {
  Result<const GroupKeys*> keys = group_keys(resolve_group_key(options.group_key));
  if (!keys.ok()) return keys.status();
  auto impl = std::make_unique<Impl>(options, **keys);
  Status status = impl->connection.open();
  if (status.ok()) status = impl->register_worker();
  if (!status.ok()) return status;
  impl->start_heartbeats();
  return std::unique_ptr<Worker>(new Worker(std::move(impl)));
}

Result<std::optional<Lease>> Worker::next(milliseconds timeout) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    Status drained = impl_->drain();
    if (!drained.ok()) return drained;
    if (!impl_->leases.empty()) {
      Lease lease = std::move(impl_->leases.front());
      impl_->leases.pop_front();
      return std::optional<Lease>(std::move(lease));
    }
    // Nothing to run: what is held goes now, so its slots come back.
    Status flushed = impl_->flush_reports();
    if (!flushed.ok()) return flushed;
    const Clock::time_point now = Clock::now();
    if (now >= deadline) return std::optional<Lease>();
    impl_->heartbeat_if_due();
    Result<std::optional<protocol::Reply>> frame =
        impl_->connection.receive(std::min(deadline, impl_->last_send + impl_->heartbeat));
    if (!frame.ok()) return frame.status();
    if (frame.value()) impl_->take(**frame);
  }
}

Status Worker::report(const Lease& lease, const WorkOutcome& outcome) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  protocol::Report report;
  report.id = lease.job.id;
  report.term = lease.term;
  report.attempt = lease.job.attempts;
  report.outcome = outcome.outcome;
  report.exit_status = outcome.exit_status;
  report.output = outcome.output;
  report.error = outcome.error;
  {
    std::lock_guard<std::mutex> cancel_lock(impl_->cancel_mutex);
    impl_->cancelled.erase({lease.job.id, lease.term, lease.job.attempts});
  }
  // Leases that came meanwhile decide whether this report is held.
  Status drained = impl_->drain();
  if (!drained.ok()) return drained;
  return impl_->queue_report(std::move(report));
}

bool Worker::cancelled(const Lease& lease) const {
  std::lock_guard<std::mutex> lock(impl_->cancel_mutex);
  return impl_->cancelled.count({lease.job.id, lease.term, lease.job.attempts}) > 0;
}

Status Worker::run(const std::function<WorkOutcome(const Lease&)>& handler,
                   const std::function<bool()>& keep_going) {
  while (keep_going()) {
    Result<std::optional<Lease>> lease = next(kRunPollInterval);
    if (!lease.ok()) return lease.status();
    if (!lease.value()) continue;
    WorkOutcome outcome;
    try {
      outcome = handler(**lease);
    } catch (const std::exception& e) {
      outcome = {Outcome::failed, 0, {}, std::string("handler threw: ") + e.what()};
    } catch (...) {
      outcome = {Outcome::failed, 0, {}, "handler threw"};
    }
    Status reported = report(**lease, outcome);
    if (!reported.ok()) return reported;
  }
  return Status::success();
}

}  // namespace desaster
