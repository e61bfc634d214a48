// ZmqWatcher: one ZeroMQ socket driven from a libuv loop; see zmq_watcher.hpp.
//
// ZMQ_FD only says "something may have changed": every wake-up, and every
// send made outside a wake-up, ends with ZMQ_EVENTS read again, because a
// zmq call may itself have consumed the notification for a message that is
// now pending. Forgetting that is the classic way to hang such a loop.
#include "transport/loop/zmq_watcher.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <deque>

namespace desaster {

struct ZmqWatcher::Impl {
  Impl(uv_loop_t* loop, zmq::socket_t& socket, Handler handler);

  void process();
  bool receive_one();
  bool flush();
  enum class SendResult { sent, again, dropped };
  SendResult send_now(std::vector<zmq::message_t>& parts);
  void send(std::vector<zmq::message_t> parts);
  int events();
  void arm_continuation();
  void disarm_continuation();
  void close(std::function<void()> done);

  static void on_poll(uv_poll_t* handle, int status, int events) noexcept;
  static void on_check(uv_check_t* handle) noexcept;
  static void on_idle(uv_idle_t*) noexcept {}
  static void on_close(uv_handle_t* handle) noexcept;

  void* socket_;  // the libzmq handle of the socket we were given
  Handler handler_;
  uv_poll_t poll_{};
  uv_check_t check_{};  // continues a drain cut short by kMaxBatch
  uv_idle_t idle_{};    // keeps the loop from blocking while check_ is armed
  std::deque<std::vector<zmq::message_t>> outbox_;
  std::uint64_t dropped_ = 0;
  bool continuing_ = false;
  bool processing_ = false;
  bool closing_ = false;
  bool reading_ = true;
  int open_handles_ = 0;
  std::function<void()> done_;
};

namespace {
[[noreturn]] void fail_setup(const char* what, int code) {
  // Cannot happen with a live socket and loop; not worth an error path.
  std::fprintf(stderr, "ZmqWatcher: %s failed: %s\n", what, uv_strerror(code));
  std::abort();
}
}  // namespace

ZmqWatcher::Impl::Impl(uv_loop_t* loop, zmq::socket_t& socket, Handler handler)
    : socket_(socket.handle()), handler_(std::move(handler)) {
  zmq::fd_t fd{};
  std::size_t size = sizeof fd;
  if (zmq_getsockopt(socket_, ZMQ_FD, &fd, &size) != 0) fail_setup("ZMQ_FD", UV_EBADF);
  if (int rc = uv_poll_init(loop, &poll_, fd)) fail_setup("uv_poll_init", rc);
  uv_check_init(loop, &check_);
  uv_idle_init(loop, &idle_);
  poll_.data = check_.data = idle_.data = this;
  open_handles_ = 3;
  if (int rc = uv_poll_start(&poll_, UV_READABLE, on_poll)) fail_setup("uv_poll_start", rc);
  // Messages queued before we watched raised no edge we could see.
  arm_continuation();
}

int ZmqWatcher::Impl::events() {
  int value = 0;
  std::size_t size = sizeof value;
  if (zmq_getsockopt(socket_, ZMQ_EVENTS, &value, &size) != 0) return 0;
  return value;
}

void ZmqWatcher::Impl::on_poll(uv_poll_t* handle, int, int) noexcept {
  static_cast<Impl*>(handle->data)->process();
}

void ZmqWatcher::Impl::on_check(uv_check_t* handle) noexcept {
  static_cast<Impl*>(handle->data)->process();
}

// Drains until ZMQ_EVENTS shows nothing to do, or kMaxBatch messages came in
// this turn, in which case check_ takes over next turn.
void ZmqWatcher::Impl::process() {
  if (closing_ || processing_) return;
  processing_ = true;
  int budget = kMaxBatch;
  bool cut_short = false;
  for (;;) {
    const int ready = events();
    bool progress = false;
    if ((ready & ZMQ_POLLOUT) && !outbox_.empty()) progress = flush();
    if ((ready & ZMQ_POLLIN) && reading_) {
      if (budget == 0) {
        cut_short = true;
        break;
      }
      --budget;
      if (receive_one()) progress = true;
      if (closing_) break;
    }
    if (!progress) break;
  }
  processing_ = false;
  if (closing_) return;
  if (cut_short) {
    arm_continuation();
  } else {
    disarm_continuation();
  }
}

bool ZmqWatcher::Impl::receive_one() {
  std::vector<zmq::message_t> parts;
  for (;;) {
    zmq::message_t part;
    if (zmq_msg_recv(part.handle(), socket_, ZMQ_DONTWAIT) < 0) {
      if (zmq_errno() == EINTR) continue;
      // Parts after the first are delivered together with it, so only the
      // first can be missing; anything else is not ours to fix.
      if (parts.empty()) return false;
      break;
    }
    const bool more = part.more();
    parts.push_back(std::move(part));
    if (!more) break;
  }
  handler_(parts);
  return true;
}

ZmqWatcher::Impl::SendResult ZmqWatcher::Impl::send_now(std::vector<zmq::message_t>& parts) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const int flags = ZMQ_DONTWAIT | (i + 1 < parts.size() ? ZMQ_SNDMORE : 0);
    while (zmq_msg_send(parts[i].handle(), socket_, flags) < 0) {
      const int error = zmq_errno();
      if (error == EINTR) continue;
      // libzmq decides on the first part whether the message fits; a later
      // part fails only when the pipe died under us, and the parts already
      // sent are gone with it.
      if (i == 0 && error == EAGAIN) return SendResult::again;
      return SendResult::dropped;
    }
  }
  return SendResult::sent;
}

bool ZmqWatcher::Impl::flush() {
  bool progress = false;
  while (!outbox_.empty()) {
    std::vector<zmq::message_t>& parts = outbox_.front();
    SendResult result = parts.empty() ? SendResult::sent : send_now(parts);
    if (result == SendResult::again) break;
    if (result == SendResult::dropped) ++dropped_;
    outbox_.pop_front();
    progress = true;
  }
  return progress;
}

void ZmqWatcher::Impl::send(std::vector<zmq::message_t> parts) {
  if (closing_) return;
  outbox_.push_back(std::move(parts));
  flush();
  // Inside process() the drain loop reads ZMQ_EVENTS again by itself.
  if (!processing_ && (events() & ZMQ_POLLIN)) arm_continuation();
}

void ZmqWatcher::Impl::arm_continuation() {
  if (continuing_) return;
  continuing_ = true;
  uv_check_start(&check_, on_check);
  uv_idle_start(&idle_, on_idle);
}

void ZmqWatcher::Impl::disarm_continuation() {
  if (!continuing_) return;
  continuing_ = false;
  uv_check_stop(&check_);
  uv_idle_stop(&idle_);
}

void ZmqWatcher::Impl::close(std::function<void()> done) {
  if (closing_) return;
  closing_ = true;
  done_ = std::move(done);
  outbox_.clear();
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), on_close);
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), on_close);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), on_close);
}

void ZmqWatcher::Impl::on_close(uv_handle_t* handle) noexcept {
  auto* impl = static_cast<Impl*>(handle->data);
  if (--impl->open_handles_ > 0) return;
  std::function<void()> done = std::move(impl->done_);
  delete impl;
  if (done) done();
}

ZmqWatcher::ZmqWatcher(uv_loop_t* loop, zmq::socket_t& socket, Handler handler)
    : impl_(new Impl(loop, socket, std::move(handler))) {}

ZmqWatcher::~ZmqWatcher() {
  close(nullptr);
}

void ZmqWatcher::send(std::vector<zmq::message_t> parts) {
  if (impl_) impl_->send(std::move(parts));
}

void ZmqWatcher::set_reading(bool reading) {
  if (!impl_ || impl_->closing_) return;
  impl_->reading_ = reading;
  // What arrived meanwhile raised no edge we will see again.
  if (reading) impl_->arm_continuation();
}

std::size_t ZmqWatcher::outbox_size() const {
  return impl_ ? impl_->outbox_.size() : 0;
}

std::uint64_t ZmqWatcher::dropped() const {
  return impl_ ? impl_->dropped_ : 0;
}

void ZmqWatcher::close(std::function<void()> done) {
  if (!impl_) return;
  Impl* impl = impl_;
  impl_ = nullptr;
  impl->close(std::move(done));
}

}  // namespace desaster
