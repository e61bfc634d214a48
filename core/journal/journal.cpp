// The journal's loop-thread side: buffering appends, scheduling file work on
// the thread pool one item at a time, and applying the results. open() and
// recovery are synchronous; everything after runs through a FIFO of work so
// a commit and a snapshot never touch the files at once.
#include "core/journal/journal.hpp"

#include <cassert>
#include <deque>
#include <type_traits>
#include <variant>

#include "core/journal/data_dir_lock.hpp"
#include "core/journal/file_util.hpp"
#include "core/journal/journal_recovery.hpp"
#include "core/journal/journal_work.hpp"
#include "core/journal/record_codec.hpp"
#include "core/journal/segment_file.hpp"
#include "core/journal/snapshot_file.hpp"

namespace desaster {

namespace {

struct CommitRequest {};
struct SnapshotRequest {
  Snapshot snapshot;
  std::function<void(const Status&)> done;
  std::uint64_t appended_mark = 0;  // appended bytes when it was asked for
};
struct InstallRequest {
  Snapshot snapshot;
  std::function<void(const Status&)> done;
};
struct HardStateRequest {
  HardState state;
  std::function<void(const Status&)> done;
};
struct CloseRequest {
  std::function<void()> done;
};
using Request =
    std::variant<CommitRequest, SnapshotRequest, InstallRequest, HardStateRequest, CloseRequest>;

}  // namespace

struct Journal::Impl {
  // One item of thread-pool work; owned by Impl::in_flight_ while it runs.
  struct Work {
    uv_work_t request{};
    Impl* impl = nullptr;
    std::variant<CommitWork, SnapshotWork, InstallWork, HardStateWork, CloseWork> job;
    std::function<void(const Status&)> snapshot_done;  // also of installs and hard states
    std::uint64_t appended_mark = 0;
    std::function<void()> close_done;
  };

  uv_loop_t* loop = nullptr;
  std::string data_dir;
  std::string journal_dir;
  std::string snapshots_dir;
  JournalOptions options;
  DataDirLock lock;

  journal_fs::FileDescriptor segment;  // the current segment, open for appending
  std::uint64_t segment_size = 0;      // its durable size
  std::vector<SegmentName> segments;   // on disk, in order; the current one is last

  std::string pending;  // encoded records not yet handed to a commit
  std::uint64_t pending_first = 0;
  std::uint64_t last_index = 0;
  std::uint64_t last_term = 0;
  std::uint64_t durable_index = 0;
  std::uint64_t durable_term = 0;
  std::uint64_t snapshot_index = 0;  // entries at or below it are never replaced
  // Set when entries of a commit already handed to the thread pool were
  // replaced: that commit makes durable at most up to here.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> durable_cap;  // index, term
  std::uint64_t appended_bytes = 0;
  std::uint64_t appended_at_snapshot = 0;

  DurableCallback durable_callback;
  std::function<void(double)> sync_observer;
  std::deque<Request> queue;
  bool commit_queued = false;
  std::unique_ptr<Work> in_flight;
  bool closing = false;
  std::optional<Status> broken;  // a failed cut-back: appending could corrupt the journal
  bool orphaned = false;         // the Journal is gone; delete self when work ends
  bool in_callback = false;      // a durable callback runs: flush() from it uses the pool
  std::shared_ptr<char> alive = std::make_shared<char>();

  Status append(LogEntry entry);
  Status append_replacing(LogEntry entry, std::uint64_t previous_term);
  void cut_tail(std::uint64_t index, std::uint64_t term);
  void request_commit();
  void start_next();
  void start_commit();
  std::unique_ptr<Work> make_commit();
  bool can_commit_inline() const;
  void commit_inline();
  void start_snapshot(SnapshotRequest request);
  void start_install(InstallRequest request);
  void start_hard_state(HardStateRequest request);
  void start_close(CloseRequest request);
  void submit(std::unique_ptr<Work> work);
  void finish(std::unique_ptr<Work> work);
  void finish_commit(CommitWork& commit);
  void finish_install(InstallWork& install);
  // Runs a user callback; false when it destroyed the Journal.
  template <typename Callback>
  bool notify(Callback&& callback);

  static void run_work(uv_work_t* request) noexcept;
  static void after_work(uv_work_t* request, int status) noexcept;
};

Status Journal::Impl::append(LogEntry entry) {
  if (closing) return Status::error(ErrorCode::unavailable, "journal is closing");
  if (broken)
    return Status::error(ErrorCode::unavailable,
                         "journal is unusable after a failed write: " + broken->message);
  if (entry.index != last_index + 1)
    return Status::error(ErrorCode::conflict, "append of index " + std::to_string(entry.index) +
                                                  " where " + std::to_string(last_index + 1) +
                                                  " was expected");
  if (entry.term < last_term)
    return Status::error(ErrorCode::conflict, "append with term " + std::to_string(entry.term) +
                                                  " below the last term " +
                                                  std::to_string(last_term));
  const std::size_t size = encoded_record_size(entry);
  if (size - kRecordHeaderBytes > kMaxRecordBytes)
    return Status::error(ErrorCode::bad_request, "entry of " + std::to_string(size) +
                                                     " bytes is over the record limit of " +
                                                     std::to_string(kMaxRecordBytes));
  if (pending.empty()) pending_first = entry.index;
  encode_record(entry, pending);
  appended_bytes += size;
  last_index = entry.index;
  last_term = entry.term;
  return Status::success();
}

Status Journal::Impl::append_replacing(LogEntry entry, std::uint64_t previous_term) {
  if (entry.index > last_index + 1 || entry.index <= snapshot_index)
    return Status::error(ErrorCode::conflict, "replacing append of index " +
                                                  std::to_string(entry.index) + " outside " +
                                                  std::to_string(snapshot_index + 1) + ".." +
                                                  std::to_string(last_index + 1));
  if (entry.index == last_index + 1) return append(std::move(entry));
  const std::uint64_t kept = entry.index - 1;
  const std::uint64_t saved_index = last_index;
  const std::uint64_t saved_term = last_term;
  last_index = kept;
  last_term = previous_term;
  Status appended = append(std::move(entry));
  if (!appended.ok()) {
    last_index = saved_index;
    last_term = saved_term;
    return appended;
  }
  cut_tail(kept, previous_term);
  return appended;
}

// The log now ends at index (with its term) before what was appended after
// it: nothing past it is durable until a commit says so.
void Journal::Impl::cut_tail(std::uint64_t index, std::uint64_t term) {
  if (in_flight && std::holds_alternative<CommitWork>(in_flight->job) &&
      std::get<CommitWork>(in_flight->job).last_index > index) {
    if (!durable_cap || durable_cap->first > index) durable_cap = std::make_pair(index, term);
  }
  if (durable_index > index) {
    durable_index = index;
    durable_term = term;
  }
}

void Journal::Impl::request_commit() {
  if (commit_queued) return;
  queue.emplace_back(CommitRequest{});
  commit_queued = true;
}

void Journal::Impl::start_next() {
  while (!in_flight && !queue.empty()) {
    Request request = std::move(queue.front());
    queue.pop_front();
    if (std::holds_alternative<CommitRequest>(request)) {
      commit_queued = false;
      if (!pending.empty()) start_commit();  // empty when a failure dropped it
    } else if (auto* snapshot = std::get_if<SnapshotRequest>(&request)) {
      start_snapshot(std::move(*snapshot));
    } else if (auto* install = std::get_if<InstallRequest>(&request)) {
      start_install(std::move(*install));
    } else if (auto* hard_state = std::get_if<HardStateRequest>(&request)) {
      start_hard_state(std::move(*hard_state));
    } else {
      start_close(std::move(std::get<CloseRequest>(request)));
    }
  }
}

void Journal::Impl::start_commit() {
  submit(make_commit());
}

bool Journal::Impl::can_commit_inline() const {
  return options.inline_commit_bytes > 0 && !in_callback && !in_flight && queue.empty() &&
         !closing && !broken && !pending.empty() && pending.size() <= options.inline_commit_bytes;
}

// As the thread pool would, but here: the Work is in flight while it runs
// (busy(), cut_tail() see it), then finish() reports it and starts whatever
// was asked for meanwhile (on the pool: no inline commit inside another's
// callback). The callback may destroy the Journal; nothing touches *this
// after finish().
void Journal::Impl::commit_inline() {
  in_flight = make_commit();
  in_flight->impl = this;
  run_commit(std::get<CommitWork>(in_flight->job));
  std::unique_ptr<Work> owned = std::move(in_flight);
  finish(std::move(owned));
}

std::unique_ptr<Journal::Impl::Work> Journal::Impl::make_commit() {
  auto work = std::make_unique<Work>();
  CommitWork& commit = work->job.emplace<CommitWork>();
  commit.segment_fd = segment.get();
  commit.durable_size = segment_size;
  commit.bytes = std::move(pending);
  pending.clear();
  commit.first_index = pending_first;
  commit.last_index = last_index;
  commit.last_term = last_term;
  // A segment holding only its header never rolls: the new one would get its
  // name. Nor does one whose name is not below the first entry of the commit
  // (after a replacing append): segment names must keep increasing.
  commit.roll = segment_size > kSegmentHeaderBytes && segment_size > options.segment_bytes &&
                pending_first > segments.back().first_index;
  commit.journal_dir = journal_dir;
  commit.sync = options.sync;
  commit.write_hook = options.write_hook;
  commit.sync_hook = options.sync_hook;
  return work;
}

void Journal::Impl::start_snapshot(SnapshotRequest request) {
  auto work = std::make_unique<Work>();
  SnapshotWork& job = work->job.emplace<SnapshotWork>();
  if (request.snapshot.index > durable_index)
    job.precheck = Status::error(ErrorCode::conflict,
                                 "snapshot at index " + std::to_string(request.snapshot.index) +
                                     " is past the durable index " + std::to_string(durable_index));
  // A segment is unnecessary when the next one starts within the snapshot;
  // the current segment always stays.
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
    if (segments[i + 1].first_index > request.snapshot.index + 1) break;
    job.obsolete.push_back(segments[i]);
  }
  job.snapshot = std::move(request.snapshot);
  job.snapshots_dir = snapshots_dir;
  job.journal_dir = journal_dir;
  work->snapshot_done = std::move(request.done);
  work->appended_mark = request.appended_mark;
  submit(std::move(work));
}

void Journal::Impl::start_install(InstallRequest request) {
  auto work = std::make_unique<Work>();
  InstallWork& job = work->job.emplace<InstallWork>();
  job.snapshot = std::move(request.snapshot);
  job.snapshots_dir = snapshots_dir;
  job.journal_dir = journal_dir;
  job.segment = std::move(segment);
  job.segments = segments;
  work->snapshot_done = std::move(request.done);
  submit(std::move(work));
}

void Journal::Impl::start_hard_state(HardStateRequest request) {
  auto work = std::make_unique<Work>();
  HardStateWork& job = work->job.emplace<HardStateWork>();
  job.data_dir = data_dir;
  job.state = std::move(request.state);
  work->snapshot_done = std::move(request.done);
  submit(std::move(work));
}

void Journal::Impl::start_close(CloseRequest request) {
  auto work = std::make_unique<Work>();
  CloseWork& job = work->job.emplace<CloseWork>();
  job.segment = std::move(segment);
  job.lock = std::move(lock);
  work->close_done = std::move(request.done);
  submit(std::move(work));
}

void Journal::Impl::submit(std::unique_ptr<Work> work) {
  work->impl = this;
  work->request.data = work.get();
  in_flight = std::move(work);
  // Only fails for a null work callback.
  const int started = uv_queue_work(loop, &in_flight->request, run_work, after_work);
  assert(started == 0);
  (void)started;
}

void Journal::Impl::run_work(uv_work_t* request) noexcept {
  auto* work = static_cast<Work*>(request->data);
  std::visit(
      [](auto& job) {
        using Job = std::decay_t<decltype(job)>;
        if constexpr (std::is_same_v<Job, CommitWork>) run_commit(job);
        if constexpr (std::is_same_v<Job, SnapshotWork>) run_snapshot(job);
        if constexpr (std::is_same_v<Job, InstallWork>) run_install(job);
        if constexpr (std::is_same_v<Job, HardStateWork>) run_hard_state(job);
        if constexpr (std::is_same_v<Job, CloseWork>) run_close(job);
      },
      work->job);
}

void Journal::Impl::after_work(uv_work_t* request,
                               int /*status: only UV_ECANCELED, never*/) noexcept {
  auto* work = static_cast<Work*>(request->data);
  Impl* impl = work->impl;
  std::unique_ptr<Work> owned = std::move(impl->in_flight);
  assert(owned.get() == work);
  if (impl->orphaned) {
    delete impl;
    return;
  }
  impl->finish(std::move(owned));
}

template <typename Callback>
bool Journal::Impl::notify(Callback&& callback) {
  std::weak_ptr<char> still_alive = alive;
  callback();
  return !still_alive.expired();
}

// Applies a finished item, tells the caller, and starts the next item. The
// callback runs before the next item starts so that entries it appends join
// that commit; it may destroy the Journal, so nothing here touches *this
// after it unless notify() says the Journal is still there.
void Journal::Impl::finish(std::unique_ptr<Work> work) {
  if (auto* commit = std::get_if<CommitWork>(&work->job)) {
    finish_commit(*commit);
    if (sync_observer && commit->sync_seconds >= 0) sync_observer(commit->sync_seconds);
    const Status status = commit->status;
    const std::uint64_t index = durable_index;
    const std::uint64_t first_failed = status.ok() ? 0 : durable_index + 1;
    if (durable_callback) {
      DurableCallback callback = durable_callback;
      in_callback = true;
      if (!notify([&] { callback(status, index, first_failed); })) return;
      in_callback = false;
    }
  } else if (std::holds_alternative<InstallWork>(work->job) ||
             std::holds_alternative<HardStateWork>(work->job)) {
    Status status;
    if (auto* install = std::get_if<InstallWork>(&work->job)) {
      finish_install(*install);
      status = install->status;
    } else {
      status = std::get<HardStateWork>(work->job).status;
    }
    if (work->snapshot_done) {
      auto done = std::move(work->snapshot_done);
      if (!notify([&] { done(status); })) return;
    }
  } else if (auto* snapshot = std::get_if<SnapshotWork>(&work->job)) {
    if (snapshot->status.ok()) {
      appended_at_snapshot = work->appended_mark;
      snapshot_index = std::max(snapshot_index, snapshot->snapshot.index);
    }
    segments.erase(segments.begin(),
                   segments.begin() + static_cast<std::ptrdiff_t>(snapshot->deleted));
    if (work->snapshot_done) {
      auto done = std::move(work->snapshot_done);
      const Status status = snapshot->status;
      if (!notify([&] { done(status); })) return;
    }
  } else {
    // Closed: nothing may run after done, which may destroy the Journal.
    auto done = std::move(work->close_done);
    work.reset();
    if (done) done();
    return;
  }
  start_next();
}

void Journal::Impl::finish_commit(CommitWork& commit) {
  if (commit.new_segment.valid()) {
    segment = std::move(commit.new_segment);
    segment_size = kSegmentHeaderBytes;
    segments.push_back({commit.first_index, segment_file_name(commit.first_index)});
  }
  if (commit.status.ok()) {
    segment_size += commit.bytes.size();
    durable_index = commit.last_index;
    durable_term = commit.last_term;
    if (durable_cap && durable_cap->first < durable_index) {
      durable_index = durable_cap->first;
      durable_term = durable_cap->second;
    }
    durable_cap.reset();
    if (!pending.empty()) request_commit();
    return;
  }
  durable_cap.reset();
  // Everything after the durable prefix is gone, including what was appended
  // while this commit ran: it would follow a hole.
  const std::uint64_t dropped = commit.bytes.size() + pending.size();
  appended_bytes = appended_bytes > dropped ? appended_bytes - dropped : 0;
  pending.clear();
  last_index = durable_index;
  last_term = durable_term;
  if (commit.cut_back_failed) broken = commit.status;
}

void Journal::Impl::finish_install(InstallWork& install) {
  if (install.new_segment.valid()) {
    segment = std::move(install.new_segment);
    segment_size = kSegmentHeaderBytes;
    segments = {{install.snapshot.index + 1, segment_file_name(install.snapshot.index + 1)}};
  }
  if (!install.status.ok() && !segment.valid()) {
    // The old segment is closed and no new one exists: appending is impossible.
    broken = install.status;
    return;
  }
  if (last_index < install.snapshot.index) {  // a failed commit dropped to below it
    last_index = install.snapshot.index;
    last_term = install.snapshot.term;
  }
  if (!install.status.ok()) return;  // only the cleanup failed: the log is right
  durable_index = install.snapshot.index;
  durable_term = install.snapshot.term;
  snapshot_index = install.snapshot.index;
  appended_at_snapshot = appended_bytes;
  if (!pending.empty()) request_commit();
}

Result<std::unique_ptr<Journal>> Journal::open(uv_loop_t* loop, const std::string& data_dir,
                                               const JournalOptions& options, Recovery& recovery) {
  recovery = Recovery{};
  Status made = journal_fs::ensure_dir(data_dir);
  if (!made.ok()) return made;
  auto lock = options.inherited_lock_fd >= 0 ? DataDirLock::adopt(options.inherited_lock_fd)
                                             : DataDirLock::acquire(data_dir);
  if (!lock.ok()) return lock.status();

  auto impl = std::make_unique<Impl>();
  impl->loop = loop;
  impl->data_dir = data_dir;
  impl->journal_dir = data_dir + "/journal";
  impl->snapshots_dir = data_dir + "/snapshots";
  impl->options = options;
  impl->lock = std::move(*lock);
  for (const std::string* dir : {&impl->journal_dir, &impl->snapshots_dir}) {
    made = journal_fs::ensure_dir(*dir);
    if (!made.ok()) return made;
  }

  auto snapshot = load_newest_snapshot(impl->snapshots_dir, recovery.notes);
  if (!snapshot.ok()) return snapshot.status();
  auto log = recover_log(impl->journal_dir, *snapshot, recovery, options.truncate_corrupt);
  if (!log.ok()) return log.status();
  auto hard_state = read_hard_state_file(data_dir);
  if (!hard_state.ok()) return hard_state.status();
  recovery.hard_state = std::move(*hard_state);
  impl->snapshot_index = *snapshot ? (*snapshot)->index : 0;
  recovery.snapshot = std::move(*snapshot);

  impl->segments = std::move(log->segments);
  impl->last_index = impl->durable_index = log->last_index;
  impl->last_term = impl->durable_term = log->last_term;
  impl->appended_bytes = log->bytes_after_snapshot;
  if (log->tail_appendable) {
    auto fd = open_segment_for_append(impl->journal_dir + "/" + impl->segments.back().file_name);
    if (!fd.ok()) return fd.status();
    impl->segment = std::move(*fd);
    impl->segment_size = log->tail_size;
  } else {
    auto fd = create_segment(impl->journal_dir, impl->last_index + 1);
    if (!fd.ok()) return fd.status();
    impl->segment = std::move(*fd);
    impl->segment_size = kSegmentHeaderBytes;
    impl->segments.push_back({impl->last_index + 1, segment_file_name(impl->last_index + 1)});
  }
  return std::unique_ptr<Journal>(new Journal(std::move(impl)));
}

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Journal::~Journal() {
  if (impl_ && impl_->in_flight) {
    // The thread pool still uses the Impl: after_work deletes it.
    impl_->orphaned = true;
    impl_.release();
  }
}

void Journal::set_durable_callback(DurableCallback callback) {
  impl_->durable_callback = std::move(callback);
}

void Journal::set_sync_observer(std::function<void(double seconds)> observer) {
  impl_->sync_observer = std::move(observer);
}

Status Journal::append(LogEntry entry) {
  return impl_->append(std::move(entry));
}

Status Journal::append_replacing(LogEntry entry, std::uint64_t previous_term) {
  return impl_->append_replacing(std::move(entry), previous_term);
}

void Journal::flush() {
  if (impl_->pending.empty()) return;
  if (impl_->can_commit_inline()) {
    impl_->commit_inline();  // may destroy *this
    return;
  }
  impl_->request_commit();
  impl_->start_next();
}

std::uint64_t Journal::last_index() const {
  return impl_->last_index;
}
std::uint64_t Journal::durable_index() const {
  return impl_->durable_index;
}
std::uint64_t Journal::last_term() const {
  return impl_->last_term;
}
bool Journal::busy() const {
  return impl_->in_flight != nullptr || !impl_->queue.empty();
}

void Journal::write_snapshot(Snapshot snapshot, std::function<void(const Status&)> done) {
  if (impl_->closing) {
    if (done) done(Status::error(ErrorCode::unavailable, "journal is closing"));
    return;
  }
  impl_->queue.emplace_back(
      SnapshotRequest{std::move(snapshot), std::move(done), impl_->appended_bytes});
  impl_->start_next();
}

void Journal::install_snapshot(Snapshot snapshot, std::function<void(const Status&)> done) {
  Impl& impl = *impl_;
  if (impl.closing) {
    if (done) done(Status::error(ErrorCode::unavailable, "journal is closing"));
    return;
  }
  // What was appended but not handed to a commit belongs to the log the
  // snapshot replaces; a commit queued for it must not run before the install.
  if (impl.commit_queued) {
    std::erase_if(impl.queue,
                  [](const Request& r) { return std::holds_alternative<CommitRequest>(r); });
    impl.commit_queued = false;
  }
  impl.appended_bytes -= std::min<std::uint64_t>(impl.appended_bytes, impl.pending.size());
  impl.pending.clear();
  impl.cut_tail(std::min(impl.durable_index, snapshot.index), impl.durable_term);
  impl.last_index = snapshot.index;
  impl.last_term = snapshot.term;
  impl.queue.emplace_back(InstallRequest{std::move(snapshot), std::move(done)});
  impl.start_next();
}

void Journal::save_hard_state(HardState state, std::function<void(const Status&)> done) {
  if (impl_->closing) {
    if (done) done(Status::error(ErrorCode::unavailable, "journal is closing"));
    return;
  }
  impl_->queue.emplace_back(HardStateRequest{std::move(state), std::move(done)});
  impl_->start_next();
}

int Journal::lock_fd() const {
  return impl_->lock.fd();
}

std::uint64_t Journal::bytes_since_snapshot() const {
  const std::uint64_t appended = impl_->appended_bytes;
  return appended > impl_->appended_at_snapshot ? appended - impl_->appended_at_snapshot : 0;
}

void Journal::close(std::function<void()> done) {
  assert(!impl_->closing && "close() called twice");
  impl_->closing = true;
  if (!impl_->pending.empty()) impl_->request_commit();
  impl_->queue.emplace_back(CloseRequest{std::move(done)});
  impl_->start_next();
}

}  // namespace desaster
