#include "workers/ruby_pool/worker_link.hpp"

#include <unistd.h>

namespace desaster::ruby_pool {

struct WorkerLink::Handle {
  uv_pipe_t pipe{};
  WorkerLink* owner = nullptr;  // forgets this handle when it closes
  Events events;
  FrameReader reader;
  bool closed = false;
  char buffer[65536];

  void end(const std::string& why) {
    if (closed) return;
    close();
    if (events.on_closed) events.on_closed(why);
  }

  void close() {
    if (closed) return;
    closed = true;
    if (owner) owner->handle_ = nullptr;
    owner = nullptr;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&pipe));
    uv_close(reinterpret_cast<uv_handle_t*>(&pipe),
             [](uv_handle_t* h) { delete static_cast<Handle*>(h->data); });
  }

  void on_read(ssize_t n) {
    if (n == UV_EOF) return end("closed its channel");
    if (n < 0) return end(std::string("channel read failed: ") + uv_strerror(static_cast<int>(n)));
    if (Status s = reader.feed(std::string_view(buffer, static_cast<std::size_t>(n))); !s.ok()) {
      return end("sent a bad frame: " + s.message);
    }
    while (!closed) {
      std::optional<std::string> payload = reader.next();
      if (!payload) break;
      Result<WorkerMessage> message = decode_worker_message(*payload);
      if (!message.ok()) return end("sent a bad message: " + message.status().message);
      // The handler may close the link; closed is checked before the next frame.
      if (events.on_message) events.on_message(std::move(*message));
    }
  }
};

namespace {

struct WriteRequest {
  uv_write_t request{};
  std::string bytes;
};

}  // namespace

Result<std::unique_ptr<WorkerLink>> WorkerLink::open(uv_loop_t* loop, int fd, Events events) {
  auto* h = new Handle;
  h->events = std::move(events);
  uv_pipe_init(loop, &h->pipe, 0);
  h->pipe.data = h;
  if (int error = uv_pipe_open(&h->pipe, fd)) {
    ::close(fd);
    h->closed = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&h->pipe),
             [](uv_handle_t* handle) { delete static_cast<Handle*>(handle->data); });
    return Status::error(ErrorCode::io_error,
                         std::string("cannot watch a worker channel: ") + uv_strerror(error));
  }
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&h->pipe),
      [](uv_handle_t* handle, size_t, uv_buf_t* buf) noexcept {
        auto* self = static_cast<Handle*>(handle->data);
        *buf = uv_buf_init(self->buffer, sizeof(self->buffer));
      },
      [](uv_stream_t* stream, ssize_t n, const uv_buf_t*) noexcept {
        if (n == 0) return;  // EAGAIN
        static_cast<Handle*>(stream->data)->on_read(n);
      });
  std::unique_ptr<WorkerLink> link(new WorkerLink);
  link->handle_ = h;
  h->owner = link.get();
  return link;
}

WorkerLink::~WorkerLink() {
  close();
}

void WorkerLink::send(std::string framed) {
  if (!handle_ || handle_->closed) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&handle_->pipe);
  // Written at once when nothing is queued (uv_try_write refuses while a
  // write is pending, so frames keep their order): uv_write would also end
  // by stopping POLLOUT, which libuv turns into one epoll_ctl per frame.
  std::size_t offset = 0;
  uv_buf_t whole = uv_buf_init(framed.data(), static_cast<unsigned>(framed.size()));
  const int written = uv_try_write(stream, &whole, 1);
  if (written > 0) offset = static_cast<std::size_t>(written);
  if (offset == framed.size()) return;
  // EAGAIN or a partial write: the rest goes through libuv's queue; an
  // error shows up as EOF or a read error.
  auto* w = new WriteRequest;
  w->bytes = offset == 0 ? std::move(framed) : framed.substr(offset);
  uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  w->request.data = w;
  int error = uv_write(&w->request, stream, &buf, 1, [](uv_write_t* request, int) noexcept {
    // A failed write shows up as EOF or a read error too.
    delete static_cast<WriteRequest*>(request->data);
  });
  if (error) delete w;
}

void WorkerLink::close() {
  if (handle_) handle_->close();  // clears handle_
}

}  // namespace desaster::ruby_pool
