// Drives one ZeroMQ socket from a libuv loop.
//
// A uv_poll_t watches the socket's ZMQ_FD for readability only. That fd is
// edge-triggered and says nothing by itself: after every receive and every
// send, ZMQ_EVENTS is read again and the watcher keeps draining (receive
// with ZMQ_DONTWAIT while POLLIN, flush the outbox while POLLOUT). At most
// kMaxBatch messages are taken per wake-up so one busy socket cannot starve
// the loop; when it stops early a uv_check_t finishes the job next turn,
// because the fd will not fire again for what is already pending.
//
// Ownership: the watcher does not own the socket; the socket must outlive
// close()'s callback. Callbacks run on the loop thread.
#pragma once

#include <deque>
#include <functional>
#include <vector>

#include <uv.h>
#include <zmq.hpp>

namespace desaster {

class ZmqWatcher {
 public:
  // One whole multipart message (for a ROUTER: routing id first).
  using Handler = std::function<void(std::vector<zmq::message_t>& parts)>;

  static constexpr int kMaxBatch = 256;

  ZmqWatcher(uv_loop_t* loop, zmq::socket_t& socket, Handler handler);
  ~ZmqWatcher();
  ZmqWatcher(const ZmqWatcher&) = delete;
  ZmqWatcher& operator=(const ZmqWatcher&) = delete;

  // Sends now if the socket takes it, else keeps it in order in an outbox
  // flushed when the socket becomes writable. Never blocks.
  void send(std::vector<zmq::message_t> parts);
  std::size_t outbox_size() const;

  // Stops watching and closes the handles; done runs when they are closed.
  void close(std::function<void()> done);

 private:
  struct Impl;
  Impl* impl_;  // freed in the last close callback
};

}  // namespace desaster
